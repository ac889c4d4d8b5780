import { createHash } from 'node:crypto';
import type { FlagEnvironmentDoc } from './flag-model.js';

/**
 * LaunchDarkly's `experiments` of a flag: the experiments that measure it. Switchboard runs
 * none, so every flag has the empty list, with the first variation as the baseline.
 */
export function noExperiments(): { baselineIdx: number; items: never[] } {
  return { baselineIdx: 0, items: [] };
}

/**
 * LaunchDarkly's `sel` of a flag's environment configuration: an opaque digest of it, the same
 * for the same configuration and another after any change to it.
 */
export function configSelector(config: FlagEnvironmentDoc): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 32);
}
