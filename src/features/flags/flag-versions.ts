import { jsonEqual } from '../../shared/json-equal.js';
import { toSdkFlag } from '../sdk/sdk-model.js';
import type { FlagDoc } from './flag-model.js';

/**
 * Raises the version of every environment an edit changed, as SDKs see it: its own
 * configuration, or a flag-wide field in the SDK model (variation values, archiving, client-side
 * availability). An SDK keeps a flag only when the version grows, so an SDK-visible change that
 * kept the version would never reach it; a rename or a new tag raises nothing.
 */
export function withRaisedVersions(key: string, before: FlagDoc, after: FlagDoc, now: number): FlagDoc {
  const environments = { ...after.environments };
  for (const [envKey, config] of Object.entries(after.environments)) {
    const old = before.environments[envKey];
    if (old === undefined) continue;
    const changed =
      !jsonEqual(old, config) || !jsonEqual(toSdkFlag(key, before, envKey), toSdkFlag(key, after, envKey));
    if (changed) environments[envKey] = { ...config, version: old.version + 1, lastModified: now };
  }
  return { ...after, environments };
}
