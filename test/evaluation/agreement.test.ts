import type { LDClient, LDContext, LDEvaluationDetail } from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContext } from '../../src/evaluation/context.js';
import { evaluateFlag } from '../../src/evaluation/evaluate-flag.js';
import { offlineSdk } from '../helpers/offline-sdk.js';
import { contextArb, environmentArb, flagKeys } from './evaluation-arbitraries.js';

// Our evaluator against LaunchDarkly's official Node server SDK (offline, fed through TestData)
// on random flags, segments and contexts: value, variation index, reason and the prerequisites
// evaluated must agree.

const fallback = '<sdk default>';
let client: LDClient;
let td: TestData;

beforeAll(async () => {
  td = new TestData();
  client = await offlineSdk(td, 'evaluation-agreement');
});

afterAll(() => client.close());

function expectAgreement(ours: ReturnType<typeof evaluateFlag>, theirs: LDEvaluationDetail): void {
  expect(ours.reason).toEqual(theirs.reason);
  expect(ours.variationIndex ?? null).toBe(theirs.variationIndex ?? null);
  // The SDK serves the application's default wherever there is no variation; we report null.
  if (theirs.variationIndex === null || theirs.variationIndex === undefined) {
    expect(ours.value).toBeNull();
    expect(theirs.value).toBe(fallback);
  } else {
    expect(ours.value).toEqual(theirs.value);
  }
}

describe('evaluateFlag agrees with the official Node server SDK', () => {
  it('on random flags, segments and contexts', async () => {
    await fc.assert(
      fc.asyncProperty(
        environmentArb,
        fc.array(contextArb, { minLength: 1, maxLength: 3 }),
        async (env, contexts) => {
          // Every run replaces all four flags and three segments (TestData bumps their versions),
          // so nothing from an earlier run is reachable and the SDK's store stays small.
          // biome-ignore-start lint/correctness/useHookAtTopLevel: TestData's `use…` methods are not React hooks
          for (const segment of env.segments) await td.usePreconfiguredSegment(segment);
          for (const flag of env.flags) await td.usePreconfiguredFlag(flag);
          // biome-ignore-end lint/correctness/useHookAtTopLevel: see above
          const flags = new Map(env.flags.map((f) => [f.key, f]));
          const segments = new Map(env.segments.map((s) => [s.key, s]));
          const data = { flag: (k: string) => flags.get(k), segment: (k: string) => segments.get(k) };
          for (const json of contexts) {
            const parsed = parseContext(json);
            if (!parsed.ok) throw new Error(`generated context rejected: ${JSON.stringify(parsed.problems)}`);
            // The prerequisites evaluated for each flag (what evaluation events list) are only
            // visible through the SDK's all-flags state.
            const state = (await client.allFlagsState(json as LDContext)).toJSON() as {
              $flagsState: Record<string, { prerequisites?: string[] }>;
            };
            for (const flag of env.flags) {
              const theirs = await client.variationDetail(flag.key, json as LDContext, fallback);
              const ours = evaluateFlag(flag, parsed.context, data);
              expectAgreement(ours, theirs);
              expect(ours.prerequisites ?? []).toEqual(state.$flagsState[flag.key]?.prerequisites ?? []);
            }
          }
        },
      ),
      { numRuns: Number(process.env.AGREEMENT_RUNS ?? 400) },
    );
  }, 120_000);

  it('visits the generated space: every reason kind occurs', async () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(environmentArb, contextArb, (env, json) => {
        const parsed = parseContext(json);
        if (!parsed.ok) return;
        const flags = new Map(env.flags.map((f) => [f.key, f]));
        const segments = new Map(env.segments.map((s) => [s.key, s]));
        const data = { flag: (k: string) => flags.get(k), segment: (k: string) => segments.get(k) };
        for (const key of flagKeys) {
          const flag = flags.get(key);
          if (flag === undefined) continue;
          const { reason } = evaluateFlag(flag, parsed.context, data);
          seen.add('inExperiment' in reason ? `${reason.kind}+experiment` : reason.kind);
        }
      }),
      // A fixed seed: this checks the generators, and must not pass or fail by chance.
      { numRuns: 2000, seed: 15 },
    );
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'ERROR',
        'FALLTHROUGH',
        'FALLTHROUGH+experiment',
        'OFF',
        'PREREQUISITE_FAILED',
        'RULE_MATCH',
        'RULE_MATCH+experiment',
        'TARGET_MATCH',
      ]),
    );
  });
});
