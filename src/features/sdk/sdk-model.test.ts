import { describe, expect, it } from 'vitest';
import type { FlagDoc, FlagEnvironmentDoc } from '../flags/flag-model.js';
import type { SegmentDoc } from '../segments/segment-model.js';
import { toSdkFlag, toSdkSegment } from './sdk-model.js';

function env(overrides: Partial<FlagEnvironmentDoc> = {}): FlagEnvironmentDoc {
  return {
    on: true,
    offVariation: 1,
    fallthrough: { variation: 0 },
    targets: [],
    rules: [],
    prerequisites: [],
    trackEvents: false,
    trackEventsFallthrough: false,
    salt: 'salt-prod',
    version: 7,
    lastModified: 1,
    ...overrides,
  };
}

function flag(production: FlagEnvironmentDoc, overrides: Partial<FlagDoc> = {}): FlagDoc {
  return {
    name: 'Checkout',
    description: '',
    kind: 'multivariate',
    variations: [
      { _id: 'a', value: 'red', name: 'Red' },
      { _id: 'b', value: 'green' },
      { _id: 'c', value: 'blue' },
    ],
    tags: [],
    temporary: true,
    archived: false,
    includeInSnippet: false,
    clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: false },
    defaults: { onVariation: 0, offVariation: 1 },
    customProperties: {},
    creationDate: 1,
    environments: { production, test: env({ on: false, salt: 'salt-test', version: 2 }) },
    ...overrides,
  };
}

describe('toSdkFlag', () => {
  it('takes one environment: its version, salt, switch and serving', () => {
    const sdk = toSdkFlag(
      'checkout',
      flag(env({ trackEvents: true, trackEventsFallthrough: true })),
      'production',
    );
    expect(sdk).toEqual({
      key: 'checkout',
      version: 7,
      on: true,
      variations: ['red', 'green', 'blue'],
      offVariation: 1,
      fallthrough: { variation: 0 },
      targets: [],
      contextTargets: [],
      rules: [],
      prerequisites: [],
      salt: 'salt-prod',
      trackEvents: true,
      trackEventsFallthrough: true,
      clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: false },
      clientSide: true,
      deleted: false,
    });
    const test = toSdkFlag('checkout', flag(env()), 'test');
    expect(test).toMatchObject({ version: 2, on: false, salt: 'salt-test' });
    expect(test).not.toHaveProperty('debugEventsUntilDate');
  });

  it('refuses an environment the flag has no configuration for', () => {
    expect(() => toSdkFlag('checkout', flag(env()), 'staging')).toThrow(/staging/);
  });

  it('makes an archived flag a tombstone at the same version', () => {
    expect(toSdkFlag('checkout', flag(env(), { archived: true }), 'production')).toMatchObject({
      deleted: true,
      version: 7,
    });
  });

  it('gives rules their id, clauses without server fields, rollouts with every LaunchDarkly field', () => {
    const sdk = toSdkFlag(
      'checkout',
      flag(
        env({
          fallthrough: {
            rollout: {
              kind: 'experiment',
              seed: 42,
              contextKind: 'org',
              bucketBy: 'tier',
              variations: [
                { variation: 0, weight: 60_000 },
                { variation: 1, weight: 40_000, untracked: true },
              ],
            },
          },
          rules: [
            {
              _id: 'rule-1',
              description: 'Beta testers',
              clauses: [
                { _id: 'c1', attribute: 'email', op: 'endsWith', values: ['@acme.com'], negate: false },
                {
                  _id: 'c2',
                  contextKind: 'org',
                  attribute: 'plan',
                  op: 'in',
                  values: ['pro'],
                  negate: true,
                },
              ],
              variation: 2,
              trackEvents: true,
            },
            {
              _id: 'rule-2',
              clauses: [],
              rollout: { variations: [{ variation: 0, weight: 100_000, untracked: false }] },
              trackEvents: false,
            },
          ],
          prerequisites: [{ key: 'login', variation: 0 }],
        }),
      ),
      'production',
    );
    expect(sdk.fallthrough).toEqual({
      rollout: {
        kind: 'experiment',
        seed: 42,
        contextKind: 'org',
        bucketBy: 'tier',
        variations: [
          { variation: 0, weight: 60_000 },
          { variation: 1, weight: 40_000, untracked: true },
        ],
      },
    });
    expect(sdk.rules).toEqual([
      {
        id: 'rule-1',
        clauses: [
          { attribute: 'email', op: 'endsWith', values: ['@acme.com'], negate: false },
          { contextKind: 'org', attribute: 'plan', op: 'in', values: ['pro'], negate: true },
        ],
        variation: 2,
        trackEvents: true,
      },
      {
        id: 'rule-2',
        clauses: [],
        rollout: { variations: [{ variation: 0, weight: 100_000 }] },
        trackEvents: false,
      },
    ]);
    expect(sdk.prerequisites).toEqual([{ key: 'login', variation: 0 }]);
  });

  it('keeps user keys in targets and the order of every kind in contextTargets', () => {
    const sdk = toSdkFlag(
      'checkout',
      flag(
        env({
          targets: [
            { values: ['org-9'], variation: 2, contextKind: 'org' },
            { values: ['u1', 'u2'], variation: 0 },
            { values: ['d1'], variation: 0, contextKind: 'device' },
            { values: ['u3'], variation: 1, contextKind: 'user' },
            { values: ['u4', 'u1'], variation: 0 },
          ],
        }),
      ),
      'production',
    );
    expect(sdk.targets).toEqual([
      { values: ['u1', 'u2', 'u4'], variation: 0 },
      { values: ['u3'], variation: 1 },
    ]);
    expect(sdk.contextTargets).toEqual([
      { contextKind: 'org', values: ['org-9'], variation: 2 },
      { contextKind: 'user', values: [], variation: 0 },
      { contextKind: 'device', values: ['d1'], variation: 0 },
      { contextKind: 'user', values: [], variation: 1 },
    ]);
  });

  it('does not share arrays with the stored document', () => {
    const doc = flag(env({ targets: [{ values: ['u1'], variation: 0 }] }));
    const sdk = toSdkFlag('checkout', doc, 'production');
    const values = sdk.targets[0]?.values as string[] | undefined;
    values?.push('u2');
    expect(values).toEqual(['u1', 'u2']);
    expect(doc.environments.production?.targets[0]?.values).toEqual(['u1']);
  });
});

describe('toSdkSegment', () => {
  const segment: SegmentDoc = {
    name: 'Beta',
    description: 'd',
    tags: ['x'],
    included: ['u1'],
    excluded: ['u2'],
    rules: [
      {
        _id: 'r1',
        clauses: [{ _id: 'c', attribute: 'plan', op: 'in', values: ['pro'], negate: false }],
        weight: 25_000,
        bucketBy: 'email',
        rolloutContextKind: 'org',
      },
      { _id: 'r2', clauses: [] },
    ],
    creationDate: 1,
  };

  it('maps targets and rules, with the key as the stable salt', () => {
    expect(toSdkSegment('beta', segment, 4)).toEqual({
      key: 'beta',
      version: 4,
      included: ['u1'],
      excluded: ['u2'],
      includedContexts: [],
      excludedContexts: [],
      rules: [
        {
          id: 'r1',
          clauses: [{ attribute: 'plan', op: 'in', values: ['pro'], negate: false }],
          weight: 25_000,
          bucketBy: 'email',
          rolloutContextKind: 'org',
        },
        { id: 'r2', clauses: [] },
      ],
      salt: 'beta',
      unbounded: false,
      deleted: false,
    });
  });

  it('carries targets of other context kinds', () => {
    const sdk = toSdkSegment(
      'beta',
      {
        ...segment,
        includedContexts: [{ contextKind: 'org', values: ['o1'] }],
        excludedContexts: [{ contextKind: 'device', values: ['d1'] }],
      },
      1,
    );
    expect(sdk.includedContexts).toEqual([{ contextKind: 'org', values: ['o1'] }]);
    expect(sdk.excludedContexts).toEqual([{ contextKind: 'device', values: ['d1'] }]);
  });
});
