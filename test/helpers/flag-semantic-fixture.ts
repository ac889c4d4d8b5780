import { ValidationError } from '../../src/errors/app-errors.js';
import type { FlagDoc, FlagEnvironmentDoc } from '../../src/features/flags/flag-model.js';
import type { SemanticLookups } from '../../src/features/flags/flag-semantic-context.js';
import { applySemanticPatch } from '../../src/features/flags/flag-semantic-patch.js';
import { flagEnvironment } from './flag-environment.js';

/**
 * A multivariate flag (red, green, blue) in production and test, and the flag semantic patch
 * applied to it in production, for the unit tests beside the instructions.
 */

const env = (): FlagEnvironmentDoc => flagEnvironment({ offVariation: 2 });

export const flag: FlagDoc = {
  name: 'Checkout',
  description: '',
  kind: 'multivariate',
  variations: [
    { _id: 'v-red', value: 'red' },
    { _id: 'v-green', value: 'green' },
    { _id: 'v-blue', value: 'blue' },
  ],
  tags: ['web'],
  temporary: true,
  archived: false,
  includeInSnippet: false,
  clientSideAvailability: { usingEnvironmentId: false, usingMobileKey: false },
  defaults: { onVariation: 0, offVariation: 2 },
  customProperties: {},
  creationDate: 1,
  environments: { production: env(), test: env() },
};

export const lookups: SemanticLookups = {
  variationIdsOf: (key) => (key === 'login' ? ['l-on', 'l-off'] : undefined),
  isMember: (id) => id === 'm1',
  dependents: [],
};

export function apply(
  instructions: Record<string, unknown>[],
  doc = flag,
  more: Partial<SemanticLookups> = {},
) {
  let n = 0;
  return applySemanticPatch(
    doc,
    { environmentKey: 'production', comment: undefined, instructions: instructions as never },
    { flagKey: 'checkout', newId: () => `id${++n}`, lookups: { ...lookups, ...more } },
  );
}

/** The pointer the refusal names. */
export function refusal(
  instructions: Record<string, unknown>[],
  doc = flag,
  more: Partial<SemanticLookups> = {},
) {
  try {
    apply(instructions, doc, more);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems[0]?.pointer;
    throw error;
  }
  return 'accepted';
}

export const prod = (doc: FlagDoc) => doc.environments.production as FlagEnvironmentDoc;
