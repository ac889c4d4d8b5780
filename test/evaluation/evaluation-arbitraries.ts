import fc from 'fast-check';
import { clauseOperators } from '../../src/features/flags/flag-model.js';
import type {
  SdkClause,
  SdkContextTarget,
  SdkFlag,
  SdkFlagRule,
  SdkRollout,
  SdkSegment,
  SdkSegmentRule,
  SdkUserTarget,
  SdkVariationOrRollout,
} from '../../src/features/sdk/sdk-model.js';

/**
 * Random flags, segments and contexts in LaunchDarkly's data model, drawn from small pools so that
 * clauses, targets and segments actually hit the contexts (a random string rarely equals another).
 */

export const flagKeys = ['f0', 'f1', 'f2', 'f3'] as const;
export const segmentKeys = ['s0', 's1', 's2'] as const;
const kinds = ['user', 'org', 'device'] as const;
const contextKeys = ['k0', 'k1', 'k2', 'k3', ''] as const;
const attributes = [
  'name',
  'email',
  'age',
  'plan',
  'tags',
  'version',
  'signup',
  'score',
  'address',
  'anonymous',
  'key',
  'kind',
];
const references = [
  ...attributes,
  '/address/city',
  '/address',
  '/a~1b',
  '/a~0b',
  '~1x',
  'a~',
  '//x',
  '/_meta',
  '',
];
// Segment matches are generated with segments of their own; an unknown operator must not match.
const operators = [...clauseOperators.filter((op) => op !== 'segmentMatch'), 'notAnOperator'];

const scalar = fc.oneof(
  fc.constantFrom(
    'Oslo',
    'oslo',
    'beta',
    'pro',
    'free',
    'a.b',
    'x@acme.com',
    '@acme.com',
    '^[a-z]+$',
    '[',
    'k0',
    'k1',
    'user',
    'org',
    '1',
    '1.2',
    '1.2.3',
    '2.0.0',
    '2.0.0-rc.1',
    '2.0.0-rc.2',
    '2.0.0+build',
    'v1.0.0',
    '01.2.3',
    '1.2.3-01',
    '2024-01-01T00:00:00Z',
    '2024-06-01T12:00:00.5+02:00',
    '2024-01-01',
    'not a date',
  ),
  fc.constantFrom(0, 1, 2, 18, 42, 65, 1.5, -3, 1_704_067_200_000, 1_717_236_000_000),
  fc.boolean(),
  fc.string({ maxLength: 4 }),
  fc.integer({ min: -5, max: 100 }),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ city: scalar }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constant(null) },
);

const attributeSet = fc.dictionary(
  fc.constantFrom(
    'name',
    'email',
    'age',
    'plan',
    'tags',
    'version',
    'signup',
    'score',
    'address',
    'a/b',
    'a~b',
    '~1x',
  ),
  value,
  { maxKeys: 5 },
);

const kindContext = (kind: string) =>
  fc
    .record({
      key: fc.constantFrom(...contextKeys.filter((k) => k !== '')),
      attrs: attributeSet,
      anonymous: fc.option(fc.boolean(), { nil: undefined }),
    })
    .map(({ key, attrs, anonymous }) => ({
      ...attrs,
      key,
      ...(anonymous === undefined ? {} : { anonymous }),
      kind,
    }));

/** Single-kind, multi-kind and old-style user contexts, as an application would pass them. */
export const contextArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constantFrom(...kinds).chain(kindContext),
  fc.subarray([...kinds], { minLength: 2 }).chain((chosen) =>
    fc.tuple(...chosen.map(kindContext)).map((parts) => {
      const multi: Record<string, unknown> = { kind: 'multi' };
      for (const { kind, ...rest } of parts) multi[kind] = rest;
      return multi;
    }),
  ),
  fc
    .record({
      key: fc.constantFrom(...contextKeys),
      name: fc.option(scalar, { nil: undefined }),
      custom: attributeSet,
    })
    .map(({ key, name, custom }) => ({ key, ...(name === undefined ? {} : { name }), custom })),
);

const optionalKind = fc.option(fc.constantFrom(...kinds), { nil: undefined });

const clauseArb: fc.Arbitrary<SdkClause> = fc
  .oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        contextKind: optionalKind,
        attribute: fc.constantFrom(...references),
        op: fc.constantFrom(...operators),
        values: fc.array(scalar, { minLength: 1, maxLength: 3 }),
        negate: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        attribute: fc.constant(''),
        op: fc.constant('segmentMatch'),
        values: fc.array(fc.constantFrom(...segmentKeys, 'missing'), { minLength: 1, maxLength: 2 }),
        negate: fc.boolean(),
      }),
    },
  )
  .map(({ contextKind, ...rest }: Partial<SdkClause> & Omit<SdkClause, 'contextKind'>) =>
    contextKind === undefined ? rest : { contextKind, ...rest },
  );

const variationIndex = fc.integer({ min: -1, max: 3 });

const rolloutArb: fc.Arbitrary<SdkRollout> = fc
  .record({
    kind: fc.option(fc.constantFrom('rollout' as const, 'experiment' as const), { nil: undefined }),
    contextKind: optionalKind,
    bucketBy: fc.option(fc.constantFrom('key', 'name', 'age', 'score', '/address/city', 'a~', 'kind'), {
      nil: undefined,
    }),
    seed: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: undefined }),
    variations: fc.array(
      fc.record({
        variation: fc.integer({ min: 0, max: 2 }),
        weight: fc.integer({ min: 0, max: 60_000 }),
        untracked: fc.option(fc.boolean(), { nil: undefined }),
      }),
      { maxLength: 4 },
    ),
  })
  .map((r) => JSON.parse(JSON.stringify(r)) as SdkRollout);

const serveArb: fc.Arbitrary<SdkVariationOrRollout> = fc.oneof(
  { weight: 3, arbitrary: variationIndex.map((variation) => ({ variation })) },
  { weight: 3, arbitrary: rolloutArb.map((rollout) => ({ rollout })) },
  { weight: 1, arbitrary: fc.constant({}) },
);

const targetKeys = fc.array(fc.constantFrom(...contextKeys), { maxLength: 3 });

function flagArb(key: string): fc.Arbitrary<SdkFlag> {
  return fc
    .record({
      on: fc.boolean(),
      variations: fc.array(
        fc.oneof(
          fc.string({ maxLength: 3 }),
          fc.integer(),
          fc.boolean(),
          fc.constant({ nested: [1, 'two'] }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      offVariation: fc.option(variationIndex, { nil: undefined }),
      fallthrough: serveArb,
      targets: fc.array(fc.record({ values: targetKeys, variation: variationIndex }), { maxLength: 2 }),
      contextTargets: fc.array(
        fc.record({ contextKind: fc.constantFrom(...kinds), values: targetKeys, variation: variationIndex }),
        { maxLength: 3 },
      ),
      rules: fc.array(fc.tuple(fc.array(clauseArb, { minLength: 1, maxLength: 3 }), serveArb, fc.boolean()), {
        maxLength: 4,
      }),
      prerequisites: fc.array(
        fc.record({
          key: fc.constantFrom(...flagKeys, 'missing'),
          variation: fc.integer({ min: 0, max: 2 }),
        }),
        { maxLength: 2 },
      ),
      salt: fc.constantFrom('salt', 'other', ''),
    })
    .map(
      (f): SdkFlag => ({
        key,
        version: 1,
        on: f.on,
        variations: f.variations,
        // A flag with no off variation serves the application's default when off.
        offVariation: f.offVariation as number,
        fallthrough: f.fallthrough,
        // LaunchDarkly lists user targets as placeholders (no values) in contextTargets.
        targets: f.targets as SdkUserTarget[],
        contextTargets: f.contextTargets.map(
          (t): SdkContextTarget => (t.contextKind === 'user' ? { ...t, values: [] } : t),
        ),
        rules: f.rules.map(
          ([clauses, serve, trackEvents], i): SdkFlagRule => ({
            id: `r${i}`,
            clauses,
            trackEvents,
            ...serve,
          }),
        ),
        prerequisites: f.prerequisites,
        salt: f.salt,
        trackEvents: false,
        trackEventsFallthrough: false,
        clientSideAvailability: { usingEnvironmentId: false, usingMobileKey: false },
        clientSide: false,
        deleted: false,
      }),
    );
}

function segmentArb(key: string): fc.Arbitrary<SdkSegment> {
  const rule: fc.Arbitrary<SdkSegmentRule> = fc
    .record({
      clauses: fc.array(clauseArb, { maxLength: 2 }),
      weight: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
      bucketBy: fc.option(fc.constantFrom('key', 'name', 'age', '/address/city'), { nil: undefined }),
      rolloutContextKind: optionalKind,
    })
    .map((r, i = 0) => JSON.parse(JSON.stringify({ id: `sr${i}`, ...r })) as SdkSegmentRule);
  const contextTargets = fc.array(fc.record({ contextKind: fc.constantFrom(...kinds), values: targetKeys }), {
    maxLength: 2,
  });
  return fc
    .record({
      included: targetKeys,
      excluded: targetKeys,
      includedContexts: contextTargets,
      excludedContexts: contextTargets,
      rules: fc.array(rule, { maxLength: 3 }),
      salt: fc.constantFrom('salt', 'x'),
    })
    .map((s): SdkSegment => ({ key, version: 1, ...s, unbounded: false, deleted: false }));
}

export interface Environment {
  readonly flags: readonly SdkFlag[];
  readonly segments: readonly SdkSegment[];
}

export const environmentArb: fc.Arbitrary<Environment> = fc.record({
  flags: fc.tuple(...flagKeys.map(flagArb)),
  segments: fc.tuple(...segmentKeys.map(segmentArb)),
});
