import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { LDClient, LDContext } from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';
import { type Context, parseContext } from '../../src/evaluation/context.js';
import { type EvaluationData, evaluateFlag } from '../../src/evaluation/evaluate-flag.js';
import type { SdkClause, SdkFlag, SdkSegment } from '../../src/features/sdk/sdk-model.js';
import { offlineSdk } from '../../test/helpers/offline-sdk.js';
import { formatRate, measureRate, median, seededRandom } from '../measure.js';

/**
 * Evaluations per second for one flag with 10 rules of mixed operators, Switchboard's evaluator
 * against the official Node server SDK's on the same flag, segment and contexts, in one process.
 * The SDK's evaluator is internal, so it is reached through `variationDetail` (its store is in
 * memory, events are off); both sides are checked to give the same answer for every context first.
 */

const REPETITIONS = 7;
const CONTEXTS = 1000;

const clause = (
  attribute: string,
  op: string,
  values: unknown[],
  extra: Partial<SdkClause> = {},
): SdkClause => ({
  attribute,
  op,
  values,
  negate: false,
  ...extra,
});

const segment: SdkSegment = {
  key: 'beta-testers',
  version: 1,
  included: ['user-7', 'user-77'],
  excluded: ['user-8'],
  includedContexts: [{ contextKind: 'org', values: ['org-3'] }],
  excludedContexts: [],
  rules: [{ id: 'sr', clauses: [clause('email', 'endsWith', ['@beta.example'])] }],
  salt: 'seg-salt',
  unbounded: false,
  deleted: false,
};

const rules: SdkClause[][] = [
  [clause('country', 'in', ['NO', 'SE', 'DK', 'FI', 'IS'])],
  [clause('email', 'endsWith', ['@acme.com', '@acme.org'])],
  [clause('name', 'startsWith', ['Dr. ', 'Prof. '])],
  [clause('handle', 'matches', ['^[a-z]+[0-9]{3}$'])],
  [clause('bio', 'contains', ['rust', 'haskell'])],
  [clause('age', 'lessThan', [16]), clause('country', 'in', ['US'], { negate: true })],
  [clause('signup', 'after', ['2026-06-01T00:00:00Z'])],
  [clause('app', 'semVerGreaterThan', ['3.4.0'])],
  [clause('', 'segmentMatch', ['beta-testers'])],
  [
    clause('plan', 'in', ['enterprise'], { contextKind: 'org' }),
    clause('seats', 'greaterThanOrEqual', [500], { contextKind: 'org' }),
  ],
];

const flag: SdkFlag = {
  key: 'ten-rules',
  version: 1,
  on: true,
  variations: ['off', 'control', 'treatment', 'special'],
  offVariation: 0,
  fallthrough: {
    rollout: {
      variations: [
        { variation: 1, weight: 50_000 },
        { variation: 2, weight: 50_000 },
      ],
    },
  },
  targets: [],
  contextTargets: [],
  rules: rules.map((clauses, i) => ({
    id: `rule-${i}`,
    clauses,
    trackEvents: false,
    variation: 1 + (i % 3),
  })),
  prerequisites: [],
  salt: 'bench-salt',
  trackEvents: false,
  trackEventsFallthrough: false,
  clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: true },
  clientSide: true,
  deleted: false,
};

/** Contexts that stop at every rule and at the fallthrough, most of them late (the costly path). */
function contexts(): Record<string, unknown>[] {
  const random = seededRandom(15);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length: CONTEXTS }, (_, i) => {
    const user: Record<string, unknown> = {
      kind: 'user',
      key: `user-${i}`,
      country: pick(['US', 'US', 'US', 'DE', 'FR', 'NO']),
      email: `${pick(['ann', 'bo', 'cy'])}@${pick(['example.com', 'example.com', 'acme.com', 'beta.example'])}`,
      name: pick(['Ann', 'Bo', 'Dr. Cy']),
      handle: pick(['ann', 'bo123', 'cy_9']),
      bio: pick(['likes go', 'writes rust', '']),
      age: Math.floor(random() * 80),
      signup: pick(['2025-01-02T03:04:05Z', '2026-07-01T00:00:00Z']),
      app: pick(['3.2.1', '3.4.0', '3.10.0-beta.1', '4.0']),
    };
    if (random() < 0.3) {
      return {
        kind: 'multi',
        user: { ...user, kind: undefined },
        org: { key: `org-${i % 10}`, plan: pick(['free', 'enterprise']), seats: pick([10, 800]) },
      };
    }
    return user;
  });
}

async function officialSdk(): Promise<LDClient> {
  const td = new TestData();
  // biome-ignore-start lint/correctness/useHookAtTopLevel: TestData's `use…` methods are not React hooks
  await td.usePreconfiguredSegment(segment);
  await td.usePreconfiguredFlag(flag);
  // biome-ignore-end lint/correctness/useHookAtTopLevel: see above
  const client = await offlineSdk(td, 'evaluation-bench');
  return client;
}

/** Like measureRate, for an API that answers with a promise: each call is awaited in turn. */
async function measureAsyncRate(
  batch: (iterations: number) => Promise<number>,
  iterations: number,
  sink: { value: number },
): Promise<number> {
  sink.value += await batch(iterations);
  sink.value += await batch(iterations);
  const samples: number[] = [];
  for (let r = 0; r < REPETITIONS; r++) {
    const started = process.hrtime.bigint();
    sink.value += await batch(iterations);
    samples.push((iterations * 1e9) / Number(process.hrtime.bigint() - started));
  }
  return median(samples);
}

export async function runEvaluationBench(): Promise<void> {
  const started = Date.now();
  const cpu = cpus();
  console.log(`# evaluation bench — ${new Date().toISOString()}`);
  console.log(
    `node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `medians of ${REPETITIONS} repetitions after warm-up; ${CONTEXTS} contexts, one flag with ${flag.rules.length} rules\n`,
  );

  const raw = contexts();
  const parsed: Context[] = raw.map((json) => {
    const result = parseContext(json);
    if (!result.ok) throw new Error(`bench context rejected: ${JSON.stringify(result.problems)}`);
    return result.context;
  });
  const data: EvaluationData = {
    flag: () => undefined,
    segment: (key) => (key === segment.key ? segment : undefined),
  };
  const client = await officialSdk();

  const reasons = new Map<string, number>();
  const fallingThrough: Context[] = [];
  const fallingThroughRaw: Record<string, unknown>[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ours = evaluateFlag(flag, parsed[i] as Context, data);
    const theirs = await client.variationDetail(flag.key, raw[i] as LDContext, 'default');
    if (ours.variationIndex !== theirs.variationIndex || !isDeepStrictEqual(ours.reason, theirs.reason)) {
      throw new Error(
        `evaluators disagree on ${JSON.stringify(raw[i])}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`,
      );
    }
    const at =
      ours.reason.kind === 'RULE_MATCH' ? `rule ${ours.reason.ruleIndex}` : ours.reason.kind.toLowerCase();
    reasons.set(at, (reasons.get(at) ?? 0) + 1);
    if (ours.reason.kind === 'FALLTHROUGH') {
      fallingThrough.push(parsed[i] as Context);
      fallingThroughRaw.push(raw[i] as Record<string, unknown>);
    }
  }
  console.log(
    `both evaluators agree on all ${raw.length} contexts; stopped at: ${[...reasons].map(([k, n]) => `${k} ${n}`).join(', ')}\n`,
  );

  const sink = { value: 0 };
  // Every path once before any clock: otherwise whichever row runs first is timed while the JIT
  // still reoptimises for the paths the later rows take, and the rows come out in run order.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 100_000; i++) {
      const result = parseContext(raw[i % CONTEXTS]);
      if (result.ok) sink.value += evaluateFlag(flag, result.context, data).variationIndex ?? 0;
      sink.value +=
        evaluateFlag(flag, fallingThrough[i % fallingThrough.length] as Context, data).variationIndex ?? 0;
    }
  }
  const ours = measureRate(
    (n) => {
      let sum = 0;
      for (let i = 0; i < n; i++)
        sum += evaluateFlag(flag, parsed[i % CONTEXTS] as Context, data).variationIndex ?? 0;
      return sum;
    },
    200_000,
    REPETITIONS,
    sink,
  ).median;
  // The costliest path: every rule's clauses are checked, then the fallthrough rollout hashes.
  const oursWorst = measureRate(
    (n) => {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        sum +=
          evaluateFlag(flag, fallingThrough[i % fallingThrough.length] as Context, data).variationIndex ?? 0;
      }
      return sum;
    },
    100_000,
    REPETITIONS,
    sink,
  ).median;
  const oursWithParsing = measureRate(
    (n) => {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const result = parseContext(raw[i % CONTEXTS]);
        if (result.ok) sum += evaluateFlag(flag, result.context, data).variationIndex ?? 0;
      }
      return sum;
    },
    200_000,
    REPETITIONS,
    sink,
  ).median;
  const theirs = await measureAsyncRate(
    async (n) => {
      let sum = 0;
      for (let i = 0; i < n; i++)
        sum +=
          (await client.variationDetail(flag.key, raw[i % CONTEXTS] as LDContext, 'default'))
            .variationIndex ?? 0;
      return sum;
    },
    50_000,
    sink,
  );
  const theirsWorst = await measureAsyncRate(
    async (n) => {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const context = fallingThroughRaw[i % fallingThroughRaw.length] as LDContext;
        sum += (await client.variationDetail(flag.key, context, 'default')).variationIndex ?? 0;
      }
      return sum;
    },
    20_000,
    sink,
  );
  client.close();

  const rows = [
    ['Switchboard evaluateFlag (context parsed once)', formatRate(ours), '≥ 1 M/s'],
    ['Switchboard parseContext + evaluateFlag', formatRate(oursWithParsing), ''],
    [
      `Switchboard evaluateFlag, only the ${fallingThrough.length} contexts that fall through`,
      formatRate(oursWorst),
      '',
    ],
    ['official Node server SDK variationDetail (awaited, events off)', formatRate(theirs), ''],
    ['ratio, Switchboard (parse + evaluate) vs SDK', `${(oursWithParsing / theirs).toFixed(1)}×`, '≥ 1×'],
    ['official Node server SDK variationDetail, the contexts that fall through', formatRate(theirsWorst), ''],
    ['ratio on those, Switchboard (evaluate) vs SDK', `${(oursWorst / theirsWorst).toFixed(1)}×`, '≥ 1×'],
  ];
  console.log('| benchmark | median | target |');
  console.log('|---|---|---|');
  for (const [name, result, target] of rows) console.log(`| ${name} | ${result} | ${target} |`);
  console.log(`\n(sink ${sink.value}; ran in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runEvaluationBench();
