import { describe, expect, it } from 'vitest';
import { flagEnvironment } from '../../../test/helpers/flag-environment.js';
import type { FlagDoc, FlagEnvironmentDoc } from './flag-model.js';
import { withRaisedVersions } from './flag-versions.js';

const env = (version: number): FlagEnvironmentDoc => flagEnvironment({ version });

const flag: FlagDoc = {
  name: 'Checkout',
  description: '',
  kind: 'boolean',
  variations: [{ value: true }, { value: false }],
  tags: [],
  temporary: true,
  archived: false,
  includeInSnippet: false,
  clientSideAvailability: { usingEnvironmentId: false, usingMobileKey: false },
  defaults: { onVariation: 0, offVariation: 1 },
  customProperties: {},
  creationDate: 1,
  environments: { production: env(4), test: env(9) },
};

function versions(doc: FlagDoc) {
  return Object.fromEntries(
    Object.entries(doc.environments).map(([k, e]) => [k, [e.version, e.lastModified]]),
  );
}

describe('withRaisedVersions', () => {
  it('raises only the environment whose configuration changed', () => {
    const after = { ...flag, environments: { ...flag.environments, test: { ...env(9), on: true } } };
    expect(versions(withRaisedVersions('f', flag, after, 50))).toEqual({
      production: [4, 1],
      test: [10, 50],
    });
  });

  it.each<[string, Partial<FlagDoc>]>([
    ['archiving', { archived: true }],
    ['a variation value', { variations: [{ value: true }, { value: 'off' }] }],
    [
      'client-side availability',
      { clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: false } },
    ],
  ])('raises every environment for %s', (_what, change) => {
    expect(versions(withRaisedVersions('f', flag, { ...flag, ...change }, 50))).toEqual({
      production: [5, 50],
      test: [10, 50],
    });
  });

  it('raises nothing for fields SDKs never see', () => {
    const after = {
      ...flag,
      name: 'New',
      tags: ['x'],
      variations: [{ value: true, name: 'On' }, { value: false }],
    };
    expect(versions(withRaisedVersions('f', flag, after, 50))).toEqual({ production: [4, 1], test: [9, 1] });
  });
});
