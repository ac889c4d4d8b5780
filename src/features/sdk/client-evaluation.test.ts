import { describe, expect, it } from 'vitest';
import { parseContext } from '../../evaluation/context.js';
import { affectedFlags, clientData, clientResults } from './client-evaluation.js';
import type { SdkFlag } from './sdk-model.js';

function flag(key: string, overrides: Partial<SdkFlag> = {}): SdkFlag {
  return {
    key,
    version: 3,
    on: true,
    variations: [true, false],
    offVariation: 1,
    fallthrough: { variation: 0 },
    targets: [],
    contextTargets: [],
    rules: [],
    prerequisites: [],
    salt: 'salt',
    trackEvents: false,
    trackEventsFallthrough: false,
    clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: true },
    clientSide: true,
    deleted: false,
    ...overrides,
  };
}

const data = (flags: SdkFlag[], version = 1000, segments: Record<string, unknown> = {}) =>
  clientData(JSON.stringify({ flags: Object.fromEntries(flags.map((f) => [f.key, f])), segments }), version);

const context = (() => {
  const parsed = parseContext({ kind: 'user', key: 'alice', email: 'alice@acme.com' });
  if (!parsed.ok) throw new Error('bad test context');
  return parsed.context;
})();

describe('clientResults', () => {
  it('keeps only the flags available to that kind of client, and no deleted one', () => {
    const d = data([
      flag('both'),
      flag('browser', { clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: false } }),
      flag('mobile', { clientSideAvailability: { usingEnvironmentId: false, usingMobileKey: true } }),
      flag('gone', { deleted: true }),
    ]);
    expect([...clientResults(d, context, 'browser', false).keys()]).toEqual(['both', 'browser']);
    expect([...clientResults(d, context, 'mobile', false).keys()]).toEqual(['both', 'mobile']);
  });

  it('gives value, variation, the data version and the flag version; the reason only when asked', () => {
    const d = data([flag('f')], 1234);
    expect(clientResults(d, context, 'browser', false).get('f')).toEqual({
      value: true,
      variation: 0,
      version: 1234,
      flagVersion: 3,
      trackEvents: false,
    });
    expect(clientResults(d, context, 'browser', true).get('f')?.reason).toEqual({ kind: 'FALLTHROUGH' });
  });

  it('marks experiments and tracked rules and fallthroughs: trackEvents, trackReason and the reason', () => {
    const rule = {
      id: 'r1',
      clauses: [{ attribute: 'email', op: 'endsWith', values: ['@acme.com'], negate: false }],
      variation: 1,
      trackEvents: true,
    };
    const d = data([
      flag('tracked-rule', { rules: [rule] }),
      flag('tracked-fallthrough', { trackEventsFallthrough: true }),
      flag('tracked-flag', { trackEvents: true }),
    ]);
    const results = clientResults(d, context, 'browser', false);
    expect(results.get('tracked-rule')).toMatchObject({
      trackEvents: true,
      trackReason: true,
      reason: { kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'r1' },
    });
    expect(results.get('tracked-fallthrough')).toMatchObject({ trackEvents: true, trackReason: true });
    // Tracked for every evaluation, but not an experiment: no reason unless asked.
    expect(results.get('tracked-flag')).toEqual(expect.objectContaining({ trackEvents: true }));
    expect(results.get('tracked-flag')).not.toHaveProperty('reason');
    expect(results.get('tracked-flag')).not.toHaveProperty('trackReason');
  });

  it('serves null without a variation for a malformed flag, with the ERROR reason', () => {
    const d = data([flag('broken', { fallthrough: { variation: 7 } })]);
    const result = clientResults(d, context, 'browser', true).get('broken');
    expect(result).toEqual({
      value: null,
      version: 1000,
      flagVersion: 3,
      trackEvents: false,
      reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' },
    });
  });
});

describe('affectedFlags', () => {
  const segmentRule = {
    id: 'r',
    clauses: [{ attribute: 'segmentMatch', op: 'segmentMatch', values: ['beta'], negate: false }],
    variation: 0,
    trackEvents: false,
  };
  const flags = [
    flag('a'),
    flag('b', { prerequisites: [{ key: 'a', variation: 0 }] }),
    flag('c', { prerequisites: [{ key: 'b', variation: 0 }] }),
    flag('seg', { rules: [segmentRule] }),
    flag('lone'),
  ];

  it('is the changed flag and, transitively, the flags that have it as a prerequisite', () => {
    const after = flags.map((f) => (f.key === 'a' ? { ...f, on: false, version: 4 } : f));
    expect([...affectedFlags(data(flags), data(after))].sort()).toEqual(['a', 'b', 'c']);
  });

  it('is the flags matching segments when a segment changes, and nothing when nothing did', () => {
    const segment = (included: string[]) => ({ beta: { key: 'beta', version: 1, included } });
    expect([...affectedFlags(data(flags, 1, segment(['x'])), data(flags, 2, segment(['y'])))]).toEqual([
      'seg',
    ]);
    expect(affectedFlags(data(flags, 1), data(flags, 2)).size).toBe(0);
  });

  it('counts a flag added or removed as changed', () => {
    expect([...affectedFlags(data(flags), data([...flags, flag('new')]))]).toEqual(['new']);
    expect([...affectedFlags(data(flags), data(flags.filter((f) => f.key !== 'lone')))]).toEqual(['lone']);
  });
});
