import type { FlagEnvironmentDoc } from '../../src/features/flags/flag-model.js';

/** A flag's configuration in one environment for unit tests: off, nothing targeted, `edit` on top. */
export function flagEnvironment(edit: Partial<FlagEnvironmentDoc> = {}): FlagEnvironmentDoc {
  return {
    on: false,
    offVariation: 1,
    fallthrough: { variation: 0 },
    targets: [],
    rules: [],
    prerequisites: [],
    trackEvents: false,
    trackEventsFallthrough: false,
    salt: 's',
    version: 1,
    lastModified: 1,
    ...edit,
  };
}
