import { ValidationError } from '../../errors/app-errors.js';
import type { FlagDoc, FlagEnvironmentDoc, FlagPost } from './flag-model.js';

/**
 * What `POST /flags/{p}?clone={key}` makes, as LaunchDarkly documents clone: a new flag with the
 * original's variations and default variations and its targeting in every environment, on/off
 * state included. The body names the new flag (`key`, `name`); the other fields it gives
 * (description, tags, temporary, maintainer, client-side availability, custom properties) replace
 * the original's, and those it leaves out are the original's. Variations and defaults always
 * come from the original, so rules and targets keep pointing at the same variations: a body that
 * gives them is refused rather than silently overridden.
 */
export function cloneFlagDoc(
  original: FlagDoc,
  input: FlagPost,
  now: number,
  newSalt: () => string,
  newVariationId: () => string,
): FlagDoc {
  if (input.variations !== undefined)
    throw ValidationError.at('/variations', "a clone has the original flag's variations; leave this out");
  if (input.defaults !== undefined)
    throw ValidationError.at('/defaults', "a clone has the original flag's defaults; leave this out");
  const environments: Record<string, FlagEnvironmentDoc> = {};
  for (const [envKey, config] of Object.entries(original.environments)) {
    // A new flag: its own salt (bucketing is per flag, as for any new flag), a first version.
    environments[envKey] = { ...structuredClone(config), salt: newSalt(), version: 1, lastModified: now };
  }
  const { maintainerId: originalMaintainer, ...rest } = structuredClone(original);
  const maintainerId = input.maintainerId ?? originalMaintainer;
  return {
    ...rest,
    name: input.name,
    description: input.description ?? original.description,
    tags: input.tags ?? original.tags,
    temporary: input.temporary ?? original.temporary,
    ...(maintainerId === undefined ? {} : { maintainerId }),
    includeInSnippet: input.includeInSnippet ?? original.includeInSnippet,
    clientSideAvailability: input.clientSideAvailability ?? original.clientSideAvailability,
    customProperties: input.customProperties ?? original.customProperties,
    // Variation ids are the flag's own; values, names and order are the original's.
    variations: original.variations.map((v) => ({ ...structuredClone(v), _id: newVariationId() })),
    archived: false,
    creationDate: now,
    environments,
  };
}
