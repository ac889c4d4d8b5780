import { describe, expect, it } from 'vitest';
import { type Context, parseContext } from '../../src/evaluation/context.js';
import { type EvaluationResult, evaluateFlag } from '../../src/evaluation/evaluate-flag.js';
import type { SdkClause, SdkFlag, SdkSegment } from '../../src/features/sdk/sdk-model.js';
import { pick, rolloutBucket, type Weighted } from '../sdk/sdk-vectors-bucket.js';

// Our own vectors, written from LaunchDarkly's documented evaluation semantics (reference/sdk.md
// and LaunchDarkly's docs on targeting, segments, prerequisites and experiments). Expected
// results are written by hand, or for rollouts computed with the documented hash.

function flag(key: string, overrides: Partial<SdkFlag> = {}): SdkFlag {
  return {
    key,
    version: 1,
    on: true,
    variations: ['a', 'b', 'c'],
    offVariation: 0,
    fallthrough: { variation: 1 },
    targets: [],
    contextTargets: [],
    rules: [],
    prerequisites: [],
    salt: 'salt',
    trackEvents: false,
    trackEventsFallthrough: false,
    clientSideAvailability: { usingEnvironmentId: false, usingMobileKey: false },
    clientSide: false,
    deleted: false,
    ...overrides,
  };
}

function segment(key: string, overrides: Partial<SdkSegment> = {}): SdkSegment {
  return {
    key,
    version: 1,
    included: [],
    excluded: [],
    includedContexts: [],
    excludedContexts: [],
    rules: [],
    salt: 'ssalt',
    unbounded: false,
    deleted: false,
    ...overrides,
  };
}

const clause = (
  attribute: string,
  op: string,
  values: unknown[],
  extra: Partial<SdkClause> = {},
): SdkClause => ({ attribute, op, values, negate: false, ...extra });
const rule = (clauses: SdkClause[], variation = 2) => ({
  id: 'rule-id',
  clauses,
  trackEvents: false,
  variation,
});

function ctx(json: unknown): Context {
  const parsed = parseContext(json);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.context;
}

function evaluate(
  f: SdkFlag,
  context: unknown,
  others: { flags?: SdkFlag[]; segments?: SdkSegment[] } = {},
): EvaluationResult {
  const flags = new Map((others.flags ?? []).map((x) => [x.key, x]));
  const segments = new Map((others.segments ?? []).map((x) => [x.key, x]));
  return evaluateFlag(f, ctx(context), { flag: (k) => flags.get(k), segment: (k) => segments.get(k) });
}

const user = { kind: 'user', key: 'u1' };
const malformed = {
  value: null,
  variationIndex: undefined,
  reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' },
};
const served = (variationIndex: number, reason: object) => ({
  value: ['a', 'b', 'c'][variationIndex],
  variationIndex,
  reason,
});
const ruleMatch = { kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'rule-id' };

describe('off and fallthrough', () => {
  it('an off flag serves its off variation, or null without one', () => {
    expect(evaluate(flag('f', { on: false }), user)).toEqual(served(0, { kind: 'OFF' }));
    expect(evaluate(flag('f', { on: false, offVariation: undefined as unknown as number }), user)).toEqual({
      value: null,
      variationIndex: undefined,
      reason: { kind: 'OFF' },
    });
  });
  it('an on flag with nothing matching falls through', () => {
    expect(evaluate(flag('f'), user)).toEqual(served(1, { kind: 'FALLTHROUGH' }));
  });
  it('a variation index outside the list, an empty rollout or nothing to serve is a malformed flag', () => {
    expect(evaluate(flag('f', { on: false, offVariation: 3 }), user)).toEqual(malformed);
    expect(evaluate(flag('f', { fallthrough: { variation: -1 } }), user)).toEqual(malformed);
    expect(evaluate(flag('f', { fallthrough: { rollout: { variations: [] } } }), user)).toEqual(malformed);
    expect(evaluate(flag('f', { fallthrough: {} }), user)).toEqual(malformed);
  });
});

describe('prerequisites', () => {
  const pre = flag('pre', { fallthrough: { variation: 2 } });
  it('pass when the prerequisite serves the required variation, and are listed for events', () => {
    const result = evaluate(flag('f', { prerequisites: [{ key: 'pre', variation: 2 }] }), user, {
      flags: [pre],
    });
    expect(result).toEqual({ ...served(1, { kind: 'FALLTHROUGH' }), prerequisites: ['pre'] });
  });
  it('fail with the off variation when another variation is served, the prerequisite is off or missing', () => {
    const failed = (key: string) => served(0, { kind: 'PREREQUISITE_FAILED', prerequisiteKey: key });
    expect(
      evaluate(flag('f', { prerequisites: [{ key: 'pre', variation: 1 }] }), user, { flags: [pre] }),
    ).toMatchObject(failed('pre'));
    // Off counts as failed even when the off variation is the required one.
    const offPre = flag('pre', { on: false, offVariation: 2 });
    expect(
      evaluate(flag('f', { prerequisites: [{ key: 'pre', variation: 2 }] }), user, { flags: [offPre] }),
    ).toMatchObject(failed('pre'));
    expect(evaluate(flag('f', { prerequisites: [{ key: 'gone', variation: 0 }] }), user)).toEqual(
      failed('gone'),
    );
    expect(
      evaluate(flag('f', { prerequisites: [{ key: 'pre', variation: 0 }] }), user, {
        flags: [{ ...pre, deleted: true }],
      }),
    ).toEqual(failed('pre'));
  });
  it('are checked before targets', () => {
    const f = flag('f', {
      prerequisites: [{ key: 'pre', variation: 0 }],
      targets: [{ values: ['u1'], variation: 2 }],
    });
    expect(evaluate(f, user, { flags: [pre] }).reason.kind).toBe('PREREQUISITE_FAILED');
  });
  it('nest, and a cycle is a malformed flag', () => {
    const a = flag('a', { prerequisites: [{ key: 'b', variation: 1 }] });
    const b = flag('b', { prerequisites: [{ key: 'a', variation: 1 }] });
    expect(evaluate(a, user, { flags: [a, b] })).toMatchObject(malformed);
    const self = flag('self', { prerequisites: [{ key: 'self', variation: 1 }] });
    expect(evaluate(self, user, { flags: [self] })).toMatchObject(malformed);
    const top = flag('top', { prerequisites: [{ key: 'mid', variation: 1 }] });
    const mid = flag('mid', { prerequisites: [{ key: 'pre', variation: 2 }] });
    expect(evaluate(top, user, { flags: [mid, pre] })).toEqual({
      ...served(1, { kind: 'FALLTHROUGH' }),
      prerequisites: ['mid'],
    });
  });
});

describe('targets', () => {
  it('match user keys, and other kinds through contextTargets', () => {
    const f = flag('f', {
      targets: [{ values: ['u1'], variation: 2 }],
      contextTargets: [
        { contextKind: 'user', values: [], variation: 2 },
        { contextKind: 'org', values: ['o1'], variation: 0 },
      ],
    });
    expect(evaluate(f, user)).toEqual(served(2, { kind: 'TARGET_MATCH' }));
    expect(evaluate(f, { kind: 'org', key: 'o1' })).toEqual(served(0, { kind: 'TARGET_MATCH' }));
    expect(evaluate(f, { kind: 'org', key: 'u1' }).reason.kind).toBe('FALLTHROUGH');
    // Once contextTargets is used, user targets count only where a placeholder places them.
    expect(evaluate({ ...f, contextTargets: f.contextTargets.slice(1) }, user).reason.kind).toBe(
      'FALLTHROUGH',
    );
    // Data from before context kinds has user targets alone.
    expect(evaluate({ ...f, contextTargets: [] }, user)).toEqual(served(2, { kind: 'TARGET_MATCH' }));
  });
  it('follow the order of contextTargets, where a user entry stands for the user targets of its variation', () => {
    const f = flag('f', {
      targets: [{ values: ['u1'], variation: 2 }],
      contextTargets: [
        { contextKind: 'org', values: ['o1'], variation: 0 },
        { contextKind: 'user', values: [], variation: 2 },
      ],
    });
    expect(evaluate(f, { kind: 'multi', user: { key: 'u1' }, org: { key: 'o1' } })).toEqual(
      served(0, { kind: 'TARGET_MATCH' }),
    );
    const userFirst = { ...f, contextTargets: [...f.contextTargets].reverse() };
    expect(evaluate(userFirst, { kind: 'multi', user: { key: 'u1' }, org: { key: 'o1' } })).toEqual(
      served(2, { kind: 'TARGET_MATCH' }),
    );
  });
  it('come before rules', () => {
    const f = flag('f', {
      targets: [{ values: ['u1'], variation: 0 }],
      rules: [rule([clause('key', 'in', ['u1'])])],
    });
    expect(evaluate(f, user).reason.kind).toBe('TARGET_MATCH');
  });
});

describe('rules and clauses', () => {
  const matchOf = (c: SdkClause, context: unknown) =>
    evaluate(flag('f', { rules: [rule([c])] }), context).reason.kind === 'RULE_MATCH';

  it('the first matching rule wins; every clause of it must match', () => {
    const f = flag('f', {
      rules: [
        {
          ...rule([clause('country', 'in', ['NO']), clause('age', 'greaterThanOrEqual', [18])], 0),
          id: 'adults',
        },
        { ...rule([clause('country', 'in', ['NO'])], 2), id: 'norway' },
      ],
    });
    expect(evaluate(f, { ...user, country: 'NO', age: 20 })).toEqual(
      served(0, { kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'adults' }),
    );
    expect(evaluate(f, { ...user, country: 'NO', age: 17 })).toEqual(
      served(2, { kind: 'RULE_MATCH', ruleIndex: 1, ruleId: 'norway' }),
    );
    expect(evaluate(f, { ...user, country: 'SE' }).reason.kind).toBe('FALLTHROUGH');
  });
  it('negate inverts a match, but a missing attribute never matches', () => {
    expect(matchOf(clause('country', 'in', ['NO'], { negate: true }), { ...user, country: 'SE' })).toBe(true);
    expect(matchOf(clause('country', 'in', ['NO'], { negate: true }), { ...user, country: 'NO' })).toBe(
      false,
    );
    expect(matchOf(clause('country', 'in', ['NO'], { negate: true }), user)).toBe(false);
  });
  it('an array attribute matches when any element does', () => {
    expect(matchOf(clause('tags', 'in', ['beta']), { ...user, tags: ['alpha', 'beta'] })).toBe(true);
    expect(
      matchOf(clause('tags', 'in', ['beta'], { negate: true }), { ...user, tags: ['alpha', 'beta'] }),
    ).toBe(false);
    // Nothing in an empty list matches, so its negation does.
    expect(matchOf(clause('tags', 'in', ['beta'], { negate: true }), { ...user, tags: [] })).toBe(true);
  });
  it('a type mismatch or an unknown operator is a non-match, not an error', () => {
    expect(matchOf(clause('age', 'lessThan', ['20']), { ...user, age: 10 })).toBe(false);
    expect(matchOf(clause('age', 'someFutureOperator', [10]), { ...user, age: 10 })).toBe(false);
  });
  it('reads the clause context kind, nested references and the kind attribute', () => {
    expect(
      matchOf(clause('plan', 'in', ['pro'], { contextKind: 'org' }), { kind: 'org', key: 'o', plan: 'pro' }),
    ).toBe(true);
    expect(matchOf(clause('plan', 'in', ['pro']), { kind: 'org', key: 'o', plan: 'pro' })).toBe(false);
    expect(
      matchOf(clause('/address/city', 'in', ['Oslo'], { contextKind: 'user' }), {
        ...user,
        address: { city: 'Oslo' },
      }),
    ).toBe(true);
    // Without a context kind the attribute is a literal name, as clauses were written before references.
    expect(matchOf(clause('/address/city', 'in', ['Oslo']), { ...user, address: { city: 'Oslo' } })).toBe(
      false,
    );
    expect(
      matchOf(clause('/address/city', 'in', ['Oslo']), { key: 'u1', custom: { '/address/city': 'Oslo' } }),
    ).toBe(true);
    expect(
      matchOf(clause('kind', 'in', ['org'], { contextKind: 'user' }), {
        kind: 'multi',
        user: { key: 'u' },
        org: { key: 'o' },
      }),
    ).toBe(true);
    expect(matchOf(clause('kind', 'startsWith', ['dev']), { kind: 'device', key: 'd' })).toBe(true);
  });
  it('an invalid attribute reference makes the flag malformed', () => {
    expect(
      evaluate(flag('f', { rules: [rule([clause('//x', 'in', [1], { contextKind: 'user' })])] }), user),
    ).toEqual(malformed);
    expect(evaluate(flag('f', { rules: [rule([clause('', 'in', [1])])] }), user)).toEqual(malformed);
  });
});

describe('segments', () => {
  const inSegment = (...keys: string[]) => flag('f', { rules: [rule([clause('', 'segmentMatch', keys)])] });
  const matches = (segments: SdkSegment[], context: unknown, keys = ['s']) =>
    evaluate(inSegment(...keys), context, { segments }).reason.kind === 'RULE_MATCH';

  it('included wins over excluded, for users and for other kinds', () => {
    const s = segment('s', {
      included: ['u1'],
      excluded: ['u1', 'u2'],
      includedContexts: [{ contextKind: 'org', values: ['o1'] }],
      excludedContexts: [{ contextKind: 'org', values: ['o2'] }],
      rules: [{ id: 'r', clauses: [] }],
    });
    expect(matches([s], user)).toBe(true);
    expect(matches([s], { kind: 'user', key: 'u2' })).toBe(false);
    expect(matches([s], { kind: 'org', key: 'o1' })).toBe(true);
    expect(matches([s], { kind: 'org', key: 'o2' })).toBe(false);
    // A rule without clauses matches everything not excluded.
    expect(matches([s], { kind: 'org', key: 'o3' })).toBe(true);
    expect(matches([s], { kind: 'user', key: 'u1' }, ['missing'])).toBe(false);
    expect(matches([s], { kind: 'user', key: 'u1' }, ['missing', 's'])).toBe(true);
  });
  it('segment rules with a weight bucket by the segment key and salt', () => {
    const s = segment('s', {
      rules: [
        {
          id: 'r',
          clauses: [clause('plan', 'in', ['pro'], { contextKind: 'org' })],
          weight: 50_000,
          rolloutContextKind: 'org',
        },
      ],
    });
    let inside = 0;
    for (let i = 0; i < 200; i += 1) {
      const key = `o${i}`;
      const expected = rolloutBucket('s', 'ssalt', key) < 0.5;
      expect(matches([s], { kind: 'org', key, plan: 'pro' })).toBe(expected);
      if (expected) inside += 1;
    }
    expect(inside).toBeGreaterThan(60);
    expect(inside).toBeLessThan(140);
  });
  it('segments may refer to segments; a cycle is a malformed flag', () => {
    const outer = segment('s', { rules: [{ id: 'r', clauses: [clause('', 'segmentMatch', ['inner'])] }] });
    const inner = segment('inner', { included: ['u1'] });
    expect(matches([outer, inner], user)).toBe(true);
    const loop = segment('s', { rules: [{ id: 'r', clauses: [clause('', 'segmentMatch', ['s'])] }] });
    expect(evaluate(inSegment('s'), user, { segments: [loop] })).toEqual(malformed);
  });
});

describe('rollouts and experiments', () => {
  const weights: Weighted[] = [
    { variation: 0, weight: 30_000 },
    { variation: 2, weight: 70_000 },
  ];
  it('bucket by key, salt and flag key, or by a seed', () => {
    for (const seed of [undefined, 42]) {
      const f = flag('roll', {
        fallthrough: { rollout: { ...(seed === undefined ? {} : { seed }), variations: weights } },
      });
      for (let i = 0; i < 100; i += 1) {
        const key = `user-${i}`;
        const v = pick(rolloutBucket('roll', 'salt', key, seed), weights).variation;
        expect(evaluate(f, { kind: 'user', key })).toEqual(served(v, { kind: 'FALLTHROUGH' }));
      }
    }
  });
  it('bucket by another attribute and context kind; integers bucket, other types land in bucket 0', () => {
    const f = flag('roll', {
      fallthrough: { rollout: { contextKind: 'org', bucketBy: 'size', variations: weights } },
    });
    expect(evaluate(f, { kind: 'org', key: 'o', size: 7 }).variationIndex).toBe(
      pick(rolloutBucket('roll', 'salt', '7'), weights).variation,
    );
    expect(evaluate(f, { kind: 'org', key: 'o', size: 'big' }).variationIndex).toBe(
      pick(rolloutBucket('roll', 'salt', 'big'), weights).variation,
    );
    expect(evaluate(f, { kind: 'org', key: 'o', size: 7.5 }).variationIndex).toBe(0);
    expect(evaluate(f, user).variationIndex).toBe(0);
  });
  it('an experiment marks its contexts, except untracked variations and contexts without its kind', () => {
    const experiment: Weighted[] = [
      { variation: 0, weight: 50_000 },
      { variation: 1, weight: 50_000, untracked: true },
    ];
    // An experiment ignores bucketBy: results must stay comparable by context.
    const f = flag('exp', {
      rules: [
        {
          id: 'rule-id',
          clauses: [],
          trackEvents: false,
          rollout: { kind: 'experiment', seed: 7, bucketBy: 'name', variations: experiment },
        },
      ],
    });
    const g = flag('exp', {
      fallthrough: { rollout: { kind: 'experiment', contextKind: 'org', variations: experiment } },
    });
    for (let i = 0; i < 50; i += 1) {
      const key = `u${i}`;
      const v = pick(rolloutBucket('exp', 'salt', key, 7), experiment);
      const reason = v.untracked ? ruleMatch : { ...ruleMatch, inExperiment: true };
      expect(evaluate(flag('exp', { fallthrough: { variation: 2 } }), user).reason).toEqual({
        kind: 'FALLTHROUGH',
      });
      expect(
        evaluate(
          {
            ...f,
            rules: [{ ...(f.rules[0] as SdkFlag['rules'][number]), clauses: [clause('key', 'in', [key])] }],
          },
          { kind: 'user', key, name: 'same' },
        ),
      ).toEqual(served(v.variation, reason));
    }
    expect(evaluate(g, user)).toEqual(served(0, { kind: 'FALLTHROUGH' }));
  });
  it('weights short of 100% leave the rest to the last variation', () => {
    const f = flag('roll', { fallthrough: { rollout: { variations: [{ variation: 2, weight: 0 }] } } });
    expect(evaluate(f, user)).toEqual(served(2, { kind: 'FALLTHROUGH' }));
  });
  it('a seed of 0 counts as no seed, as in the Node SDK', () => {
    const f = flag('roll', { fallthrough: { rollout: { seed: 0, variations: weights } } });
    const v = pick(rolloutBucket('roll', 'salt', 'u1'), weights).variation;
    expect(evaluate(f, user).variationIndex).toBe(v);
  });
});
