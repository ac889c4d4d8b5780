import type { LDClient, LDContext } from '@launchdarkly/node-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';
import { bucketOf, pick, rolloutBucket, type Weighted } from './sdk-vectors-bucket.js';
import { officialSdkWith, type SdkPayload, sdkPayload } from './sdk-vectors-client.js';
import { archiveFlag, clause, createFlag, createSegment, project, ruleFlag } from './sdk-vectors-setup.js';

// Our own vectors, from LaunchDarkly's documented evaluation semantics: flags and segments are
// made through Switchboard's REST API, turned into the SDK data model, and evaluated by
// LaunchDarkly's official Node server SDK (no network). Expected results are written by hand or,
// for bucketing, computed from the documented hash — never taken from the SDK.

let t: TestSwitchboard;
let client: LDClient;
let payload: SdkPayload;
// biome-ignore lint/suspicious/noExplicitAny: the REST API's JSON
const made: Record<string, any> = {};

const user = (key: string, attrs: Record<string, unknown> = {}): LDContext => ({
  kind: 'user',
  key,
  ...attrs,
});
const org = (key: string, attrs: Record<string, unknown> = {}): LDContext => ({ kind: 'org', key, ...attrs });

/** One rule per operator family; each flag serves `true` when its rule matches. */
const operatorFlags: Record<string, ReturnType<typeof clause>[]> = {
  'in-string': [clause('country', 'in', ['NO', 'SE'])],
  'in-number': [clause('age', 'in', [42])],
  'in-bool': [clause('beta', 'in', [true])],
  'starts-with': [clause('name', 'startsWith', ['Dr. '])],
  'ends-with': [clause('email', 'endsWith', ['@acme.com'])],
  contains: [clause('bio', 'contains', ['beta'])],
  matches: [clause('handle', 'matches', ['^[a-z]+[0-9]{2}$'])],
  'less-than': [clause('age', 'lessThan', [18])],
  'less-or-equal': [clause('age', 'lessThanOrEqual', [18])],
  'greater-than': [clause('age', 'greaterThan', [65])],
  'greater-or-equal': [clause('age', 'greaterThanOrEqual', [65])],
  before: [clause('signup', 'before', ['2024-01-01T00:00:00Z'])],
  after: [clause('signup', 'after', [1_704_067_200_000])],
  'semver-equal': [clause('app', 'semVerEqual', ['2.0.0'])],
  'semver-less': [clause('app', 'semVerLessThan', ['2.1.0'])],
  'semver-greater': [clause('app', 'semVerGreaterThan', ['2.1.0'])],
  negated: [clause('country', 'in', ['NO'], { negate: true })],
  'org-plan': [clause('plan', 'in', ['enterprise'], { contextKind: 'org' })],
  nested: [clause('/address/city', 'in', ['Oslo'], { contextKind: 'user' })],
  'all-clauses': [clause('country', 'in', ['NO']), clause('age', 'greaterThanOrEqual', [18])],
  'in-segment': [clause('segmentMatch', 'segmentMatch', ['beta-testers'])],
  'in-either-segment': [clause('segmentMatch', 'segmentMatch', ['nobody', 'beta-testers'])],
};

const rollout3070: Weighted[] = [
  { variation: 0, weight: 30_000 },
  { variation: 1, weight: 70_000 },
];
const experiment: Weighted[] = [
  { variation: 0, weight: 50_000 },
  { variation: 1, weight: 50_000, untracked: true },
];

beforeAll(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: project, name: 'Vectors' });

  await createSegment(t, 'nobody', {});
  await createSegment(t, 'beta-testers', {
    included: ['u-in', 'u-both'],
    excluded: ['u-out', 'u-both'],
    includedContexts: [{ contextKind: 'org', values: ['o-in'] }],
    excludedContexts: [{ contextKind: 'org', values: ['o-out'] }],
    rules: [
      { clauses: [clause('email', 'endsWith', ['@acme.com'])] },
      {
        clauses: [clause('plan', 'in', ['pro'], { contextKind: 'org' })],
        weight: 50_000,
        bucketBy: 'key',
        rolloutContextKind: 'org',
      },
    ],
  });
  for (const [key, clauses] of Object.entries(operatorFlags)) made[key] = await ruleFlag(t, key, clauses);

  made.targeted = await createFlag(t, 'targeted', ['a', 'b', 'c'], {
    on: true,
    fallthrough: { variation: 0 },
    targets: [
      { values: ['u-target'], variation: 1 },
      { contextKind: 'org', values: ['o-target'], variation: 2 },
      { values: ['u-other'], variation: 2 },
    ],
  });
  made.precedence = await createFlag(t, 'precedence', ['fallthrough', 'target', 'first', 'second'], {
    on: true,
    fallthrough: { variation: 0 },
    targets: [{ values: ['vip'], variation: 1 }],
    rules: [
      { clauses: [clause('country', 'in', ['NO'])], variation: 2 },
      { clauses: [clause('country', 'in', ['NO', 'SE'])], variation: 3 },
    ],
  });
  made['switched-off'] = await createFlag(t, 'switched-off', ['a', 'b', 'c'], {
    on: false,
    offVariation: 2,
    targets: [{ values: ['u-target'], variation: 1 }],
  });
  made.base = await createFlag(t, 'base', [true, false], { on: true, fallthrough: { variation: 0 } });
  made['base-off'] = await createFlag(t, 'base-off', [true, false], { on: false, offVariation: 1 });
  const needs = (key: string, variation: number) => ({
    on: true,
    offVariation: 1,
    fallthrough: { variation: 0 },
    prerequisites: [{ key, variation }],
  });
  made['needs-base'] = await createFlag(t, 'needs-base', ['yes', 'no'], needs('base', 0));
  made['needs-base-false'] = await createFlag(t, 'needs-base-false', ['yes', 'no'], needs('base', 1));
  made['needs-base-off'] = await createFlag(t, 'needs-base-off', ['yes', 'no'], needs('base-off', 1));
  made['needs-chain'] = await createFlag(t, 'needs-chain', ['yes', 'no'], needs('needs-base-off', 0));
  made['rollout-30-70'] = await createFlag(t, 'rollout-30-70', ['control', 'treatment'], {
    on: true,
    fallthrough: { rollout: { variations: rollout3070 } },
  });
  made['rollout-by-email'] = await createFlag(t, 'rollout-by-email', ['none', 'left', 'right'], {
    on: true,
    fallthrough: { variation: 0 },
    rules: [
      {
        clauses: [clause('country', 'in', ['NO'])],
        rollout: {
          contextKind: 'user',
          bucketBy: 'email',
          variations: [
            { variation: 1, weight: 50_000 },
            { variation: 2, weight: 50_000 },
          ],
        },
      },
    ],
  });
  made.experiment = await createFlag(t, 'experiment', ['tracked', 'untracked'], {
    on: true,
    fallthrough: { rollout: { kind: 'experiment', seed: 1234, contextKind: 'org', variations: experiment } },
  });
  made.retired = await createFlag(t, 'retired', ['a', 'b'], { on: true, fallthrough: { variation: 0 } });
  await archiveFlag(t, 'retired');

  payload = await sdkPayload(t, project, 'production');
  client = await officialSdkWith(payload);
}, 120_000);

afterAll(async () => {
  client?.close();
  await t?.close();
});

function ruleId(flagKey: string, index: number): string {
  return made[flagKey].environments.production.rules[index]._id;
}

describe('operators, as LaunchDarkly documents them', () => {
  const cases: [string, LDContext, boolean][] = [
    ['in-string', user('u1', { country: 'NO' }), true],
    ['in-string', user('u1', { country: 'DK' }), false],
    ['in-string', user('u1', { country: ['DK', 'SE'] }), true],
    ['in-string', user('u1'), false],
    ['in-number', user('u1', { age: 42 }), true],
    ['in-number', user('u1', { age: '42' }), false],
    ['in-bool', user('u1', { beta: true }), true],
    ['in-bool', user('u1', { beta: 'true' }), false],
    ['starts-with', user('u1', { name: 'Dr. Who' }), true],
    ['starts-with', user('u1', { name: 'Who, Dr. ' }), false],
    ['ends-with', user('u1', { email: 'ann@acme.com' }), true],
    ['ends-with', user('u1', { email: 'ann@acme.com.evil' }), false],
    ['contains', user('u1', { bio: 'likes beta builds' }), true],
    ['contains', user('u1', { bio: 'BETA' }), false],
    ['matches', user('u1', { handle: 'ann42' }), true],
    ['matches', user('u1', { handle: 'Ann42' }), false],
    ['matches', user('u1', { handle: 42 }), false],
    ['less-than', user('u1', { age: 17 }), true],
    ['less-than', user('u1', { age: 18 }), false],
    ['less-than', user('u1', { age: '17' }), false],
    ['less-or-equal', user('u1', { age: 18 }), true],
    ['greater-than', user('u1', { age: 66 }), true],
    ['greater-than', user('u1', { age: 65 }), false],
    ['greater-or-equal', user('u1', { age: 65 }), true],
    ['greater-or-equal', user('u1', { age: 64.9 }), false],
    ['before', user('u1', { signup: 1_700_000_000_000 }), true],
    ['before', user('u1', { signup: '2023-12-31T23:00:00-02:00' }), false],
    ['before', user('u1', { signup: 'yesterday' }), false],
    ['after', user('u1', { signup: '2024-06-01T00:00:00+02:00' }), true],
    ['after', user('u1', { signup: 1_600_000_000_000 }), false],
    ['semver-equal', user('u1', { app: '2' }), true],
    ['semver-equal', user('u1', { app: '2.0' }), true],
    ['semver-equal', user('u1', { app: '2.0.1' }), false],
    ['semver-less', user('u1', { app: '2.1.0-beta.1' }), true],
    ['semver-less', user('u1', { app: '2.1.0' }), false],
    ['semver-greater', user('u1', { app: '2.10.0' }), true],
    ['semver-greater', user('u1', { app: 'v3' }), false],
    ['negated', user('u1', { country: 'SE' }), true],
    ['negated', user('u1', { country: 'NO' }), false],
    ['negated', user('u1'), false],
    ['org-plan', org('o1', { plan: 'enterprise' }), true],
    ['org-plan', user('u1', { plan: 'enterprise' }), false],
    ['org-plan', { kind: 'multi', user: { key: 'u1' }, org: { key: 'o1', plan: 'enterprise' } }, true],
    ['nested', user('u1', { address: { city: 'Oslo' } }), true],
    ['nested', user('u1', { '/address/city': 'Oslo' }), false],
    ['all-clauses', user('u1', { country: 'NO', age: 18 }), true],
    ['all-clauses', user('u1', { country: 'NO', age: 17 }), false],
    ['in-segment', user('u-in'), true],
    ['in-segment', user('u-both', { email: 'x@other.org' }), true],
    ['in-segment', user('u-out', { email: 'out@acme.com' }), false],
    ['in-segment', user('u-plain', { email: 'ann@acme.com' }), true],
    ['in-segment', user('u-plain', { email: 'ann@other.org' }), false],
    ['in-segment', org('o-in'), true],
    ['in-segment', org('u-in'), false],
    ['in-segment', org('o-out', { plan: 'pro' }), false],
    ['in-either-segment', user('u-in'), true],
    ['in-either-segment', user('u-nobody'), false],
  ];
  it.each(cases)('%s for %j matches: %s', async (flagKey, context, matches) => {
    const detail = await client.variationDetail(flagKey, context, 'default');
    expect(detail).toEqual(
      matches
        ? {
            value: true,
            variationIndex: 0,
            reason: { kind: 'RULE_MATCH', ruleIndex: 0, ruleId: ruleId(flagKey, 0) },
          }
        : { value: false, variationIndex: 1, reason: { kind: 'FALLTHROUGH' } },
    );
  });

  it('weights a segment rule by the bucket of the rule context kind, with the segment key as salt', async () => {
    let matched = 0;
    for (let i = 0; i < 200; i += 1) {
      const key = `o-pro-${i}`;
      const expected = bucketOf(`beta-testers.beta-testers.${key}`) < 0.5;
      const detail = await client.variationDetail('in-segment', org(key, { plan: 'pro' }), 'default');
      expect(detail.value, key).toBe(expected);
      if (expected) matched += 1;
    }
    // Both sides of the weight occur, so the vector could fail either way.
    expect(matched).toBeGreaterThan(50);
    expect(matched).toBeLessThan(150);
  });
});

describe('targets, rules, the off switch and prerequisites', () => {
  const cases: [string, LDContext, unknown, number, Record<string, unknown>][] = [
    ['targeted', user('u-target'), 'b', 1, { kind: 'TARGET_MATCH' }],
    ['targeted', user('u-other'), 'c', 2, { kind: 'TARGET_MATCH' }],
    ['targeted', org('o-target'), 'c', 2, { kind: 'TARGET_MATCH' }],
    // Keys are per kind: a user keyed like the org target is not targeted, nor the reverse.
    ['targeted', user('o-target'), 'a', 0, { kind: 'FALLTHROUGH' }],
    ['targeted', org('u-target'), 'a', 0, { kind: 'FALLTHROUGH' }],
    // Both kinds targeted: the first target in Switchboard's order wins.
    [
      'targeted',
      { kind: 'multi', user: { key: 'u-target' }, org: { key: 'o-target' } },
      'b',
      1,
      { kind: 'TARGET_MATCH' },
    ],
    ['precedence', user('vip', { country: 'NO' }), 'target', 1, { kind: 'TARGET_MATCH' }],
    ['precedence', user('x', { country: 'NO' }), 'first', 2, { kind: 'RULE_MATCH', ruleIndex: 0 }],
    ['precedence', user('x', { country: 'SE' }), 'second', 3, { kind: 'RULE_MATCH', ruleIndex: 1 }],
    ['precedence', user('x', { country: 'DK' }), 'fallthrough', 0, { kind: 'FALLTHROUGH' }],
    ['switched-off', user('u-target'), 'c', 2, { kind: 'OFF' }],
    ['needs-base', user('u1'), 'yes', 0, { kind: 'FALLTHROUGH' }],
    ['needs-base-false', user('u1'), 'no', 1, { kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'base' }],
    // An off prerequisite fails even when its off variation is the one required.
    ['needs-base-off', user('u1'), 'no', 1, { kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'base-off' }],
    ['needs-chain', user('u1'), 'no', 1, { kind: 'PREREQUISITE_FAILED', prerequisiteKey: 'needs-base-off' }],
  ];
  it.each(cases)('%s for %j serves %j', async (flagKey, context, value, variationIndex, reason) => {
    const detail = await client.variationDetail(flagKey, context, 'default');
    const withId =
      reason.kind === 'RULE_MATCH'
        ? { ...reason, ruleId: ruleId(flagKey, reason.ruleIndex as number) }
        : reason;
    expect(detail).toEqual({ value, variationIndex, reason: withId });
  });

  it('knows no archived flag: the SDK holds it as a deleted tombstone', async () => {
    expect(payload.flags.retired).toMatchObject({ deleted: true });
    const detail = await client.variationDetail('retired', user('u1'), 'default');
    expect(detail).toMatchObject({
      value: 'default',
      reason: { kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' },
    });
  });
});

describe('percentage rollouts and experiments', () => {
  it('buckets by flag key, salt and context key, 30/70', async () => {
    const { salt } = payload.flags['rollout-30-70'] ?? { salt: '' };
    const served = [0, 0];
    for (let i = 0; i < 400; i += 1) {
      const key = `u-${i}`;
      const expected = pick(rolloutBucket('rollout-30-70', salt, key), rollout3070).variation;
      const detail = await client.variationDetail('rollout-30-70', user(key), 'default');
      expect(detail, key).toEqual({
        value: ['control', 'treatment'][expected],
        variationIndex: expected,
        reason: { kind: 'FALLTHROUGH' },
      });
      served[expected] = (served[expected] ?? 0) + 1;
    }
    expect(served[0]).toBeGreaterThan(80);
    expect(served[1]).toBeGreaterThan(200);
  });

  it('buckets a rule rollout by another attribute: one email, one variation, whatever the key', async () => {
    const { salt } = payload.flags['rollout-by-email'] ?? { salt: '' };
    const halves = [
      { variation: 1, weight: 50_000 },
      { variation: 2, weight: 50_000 },
    ];
    for (let i = 0; i < 100; i += 1) {
      const email = `person${i}@acme.com`;
      const expected = pick(rolloutBucket('rollout-by-email', salt, email), halves).variation;
      for (const key of [`a-${i}`, `b-${i}`]) {
        const detail = await client.variationDetail(
          'rollout-by-email',
          user(key, { country: 'NO', email }),
          'x',
        );
        expect(detail.variationIndex, `${key} ${email}`).toBe(expected);
        expect(detail.reason).toEqual({
          kind: 'RULE_MATCH',
          ruleIndex: 0,
          ruleId: ruleId('rollout-by-email', 0),
        });
      }
    }
    // No email to bucket by: bucket 0, the first variation.
    const none = await client.variationDetail('rollout-by-email', user('z', { country: 'NO' }), 'x');
    expect(none.variationIndex).toBe(1);
  });

  it('runs an experiment on org contexts by seed, marking tracked variations inExperiment', async () => {
    let tracked = 0;
    for (let i = 0; i < 200; i += 1) {
      const key = `o-${i}`;
      const chosen = pick(rolloutBucket('experiment', 'ignored', key, 1234), experiment);
      const detail = await client.variationDetail('experiment', org(key), 'default');
      expect(detail, key).toEqual({
        value: ['tracked', 'untracked'][chosen.variation],
        variationIndex: chosen.variation,
        reason: chosen.untracked ? { kind: 'FALLTHROUGH' } : { kind: 'FALLTHROUGH', inExperiment: true },
      });
      if (!chosen.untracked) tracked += 1;
    }
    expect(tracked).toBeGreaterThan(50);
    expect(tracked).toBeLessThan(150);
    // A context without an org: bucket 0 (the first variation), and not in the experiment.
    expect(await client.variationDetail('experiment', user('u1'), 'default')).toEqual({
      value: 'tracked',
      variationIndex: 0,
      reason: { kind: 'FALLTHROUGH' },
    });
  });
});
