import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { LDClient, LDContext } from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';
import { Pool } from 'undici';
import { parseContext } from '../../src/evaluation/context.js';
import { clientData, clientResultsJson } from '../../src/features/sdk/client-evaluation.js';
import type { SdkFlag, SdkSegment } from '../../src/features/sdk/sdk-model.js';
import { offlineSdk } from '../../test/helpers/offline-sdk.js';
import type { SwitchboardProcess } from '../delivery/switchboard-process.js';
import { median } from '../measure.js';
import { option, printBenchHeading, restCall, startBenchServer } from './bench-server.js';
import { count, perSecond, printTable, type Row } from './report.js';
import { streamFanout } from './stream-fanout.js';

/**
 * The client-side data plane (issue 15), against one built Switchboard process on SQLite:
 * - `GET /sdk/evalx/{clientSideId}/contexts/{context}` with 200 client-side flags (three rules of
 *   mixed operators and a percentage rollout each), for a new context on every request (each
 *   answer evaluates all 200 flags) and for 100 contexts asked again and again (a page view
 *   repeated: the answer kept for the environment's data version);
 * - the same 200 evaluations in-process, Switchboard's evaluator (`clientResultsJson`) beside
 *   the official Node server SDK's `allFlagsState({clientSideOnly})` on the same flags, after
 *   checking that both give every flag the same value and variation for every context;
 * - 5,000 client streams (`/eval`, one context each): a change → every stream has its patch.
 * Load clients and server share the machine's two cores, so the HTTP rates are a floor.
 */

const TOKEN = 'api-client-bench-0123456789abcdef01';
const PROJECT = 'clients';
const FLAGS = 200;
const RATE_SECONDS = 5;
const REPETITIONS = 3;
const CONTEXTS = 1_000;

const call = (pool: Pool, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) =>
  restCall(pool, TOKEN, method, path, body);

const clause = (attribute: string, op: string, values: unknown[]) => ({
  attribute,
  op,
  values,
  negate: false,
});

/** Three rules of mixed operators per flag, varied by flag, and a 50/50 fallthrough rollout. */
function targeting(i: number) {
  const first = [
    clause('email', 'endsWith', [`@team-${i % 7}.example`]),
    clause('country', 'in', ['NO', 'SE', `X${i}`]),
    clause('name', 'startsWith', ['Dr. ']),
  ][i % 3];
  const second = [
    clause('app', 'semVerGreaterThan', [`3.${i % 5}.0`]),
    clause('age', 'greaterThanOrEqual', [20 + (i % 50)]),
    clause('handle', 'matches', [`^[a-z]+${i % 10}$`]),
  ][i % 3];
  const third = clause('signup', 'after', ['2026-06-01T00:00:00Z']);
  return [
    { op: 'replace', path: '/environments/production/on', value: true },
    {
      op: 'replace',
      path: '/environments/production/rules',
      value: [first, second, third].map((c, r) => ({
        _id: `rule-${i}-${r}`,
        clauses: [c],
        variation: r % 2,
        trackEvents: false,
      })),
    },
    {
      op: 'replace',
      path: '/environments/production/fallthrough',
      value: {
        rollout: {
          variations: [
            { variation: 0, weight: 50_000 },
            { variation: 1, weight: 50_000 },
          ],
        },
      },
    },
  ];
}

async function createFlags(pool: Pool): Promise<void> {
  await call(pool, 'POST', '/projects', { key: PROJECT, name: 'Client bench' });
  let next = 0;
  const lanes = Array.from({ length: 8 }, async () => {
    for (let i = next++; i < FLAGS; i = next++) {
      await call(pool, 'POST', `/flags/${PROJECT}`, {
        key: `flag-${i}`,
        name: `Flag ${i}`,
        clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: true },
      });
      // flag-1 stays as created (off; on serves variation 0 to everyone, off variation 1): the
      // stream rounds toggle it, and each toggle changes its value for every context.
      if (i !== 1) await call(pool, 'PATCH', `/flags/${PROJECT}/flag-${i}`, targeting(i));
    }
  });
  await Promise.all(lanes);
}

function context(i: number): Record<string, unknown> {
  return {
    kind: 'user',
    key: `user-${i}`,
    email: `u${i}@team-${i % 9}.example`,
    country: ['NO', 'US', 'DE', 'SE'][i % 4],
    name: i % 5 === 0 ? 'Dr. Who' : 'Ann',
    app: ['3.1.0', '3.4.2', '4.0.0'][i % 3],
    age: i % 70,
    handle: `user${i % 10}`,
    signup: i % 2 === 0 ? '2026-07-01T00:00:00Z' : '2025-01-01T00:00:00Z',
  };
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** evalx requests per second for RATE_SECONDS, 64 in flight over 16 connections. */
async function evalxRate(base: string, path: (n: number) => string): Promise<number> {
  const pool = new Pool(base, { connections: 16 });
  let done = 0;
  const until = performance.now() + RATE_SECONDS * 1_000;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < until) {
        const res = await pool.request({ method: 'GET', path: path(done) });
        const body = await res.body.text();
        if (res.statusCode !== 200 || body.length < FLAGS * 20) throw new Error(`evalx: ${res.statusCode}`);
        done++;
      }
    }),
  );
  await pool.close();
  return done / RATE_SECONDS;
}

/** Calls per second of an in-process batch, median of REPETITIONS runs of `seconds` each. */
async function inProcessRate(run: (i: number) => Promise<number> | number, seconds = 2): Promise<number> {
  const samples: number[] = [];
  let sink = 0;
  for (let r = 0; r < REPETITIONS + 1; r++) {
    let n = 0;
    const until = performance.now() + seconds * 1_000;
    const started = performance.now();
    while (performance.now() < until) {
      for (let k = 0; k < 50; k++) sink += await run(n++);
    }
    if (r > 0) samples.push((n * 1_000) / (performance.now() - started));
  }
  if (sink === -1) console.log('');
  return median(samples);
}

async function officialSdk(flags: readonly SdkFlag[], segments: readonly SdkSegment[]): Promise<LDClient> {
  const td = new TestData();
  // biome-ignore-start lint/correctness/useHookAtTopLevel: TestData's `use…` methods are not React hooks
  for (const segment of segments) await td.usePreconfiguredSegment(segment);
  for (const flag of flags) await td.usePreconfiguredFlag(flag);
  // biome-ignore-end lint/correctness/useHookAtTopLevel: see above
  return offlineSdk(td, 'client-bench');
}

/** Options: `--streams=N` client streams (default 5,000), `--rounds=N` (default 30), `--no-streams`. */
export async function runClientSdkBench(options: readonly string[] = []): Promise<void> {
  const streams = Number(option(options, 'streams') ?? 5_000);
  const rounds = Number(option(options, 'rounds') ?? 30);
  printBenchHeading('client-side SDK bench');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-client-bench-'));
  let server: SwitchboardProcess | undefined;
  let api: Pool | undefined;
  let sdk: LDClient | undefined;
  const rows: Row[] = [];
  try {
    server = await startBenchServer(dir, TOKEN);
    api = new Pool(server.baseUrl, { connections: 8 });
    await createFlags(api);
    const env = await call(api, 'GET', `/projects/${PROJECT}/environments/production`);
    const envId = String(env._id);
    const payload = await fetch(`${server.baseUrl}/sdk/latest-all`, {
      headers: { authorization: String(env.apiKey) },
    });
    const body = await payload.text();
    const all = JSON.parse(body) as { flags: Record<string, SdkFlag>; segments: Record<string, SdkSegment> };
    const data = clientData(body, 1);
    sdk = await officialSdk(Object.values(all.flags), Object.values(all.segments));

    // The same answer from Switchboard over HTTP and from the official SDK, for every context.
    const contexts = Array.from({ length: CONTEXTS }, (_, i) => context(i));
    const parsed = contexts.map((c) => {
      const result = parseContext(c);
      if (!result.ok) throw new Error(`bench context rejected: ${JSON.stringify(result.problems)}`);
      return result.context;
    });
    const variations = new Map<string, number>();
    for (const c of contexts) {
      const res = await fetch(`${server.baseUrl}/sdk/evalx/${envId}/contexts/${encode(c)}`);
      const ours = (await res.json()) as Record<string, { value: unknown; variation?: number }>;
      const theirs = (await sdk.allFlagsState(c as LDContext, { clientSideOnly: true })).toJSON() as Record<
        string,
        unknown
      > & { $flagsState: Record<string, { variation?: number }> };
      if (Object.keys(ours).length !== FLAGS)
        throw new Error(`evalx answered ${Object.keys(ours).length} flags`);
      for (const [key, result] of Object.entries(ours)) {
        if (result.value !== theirs[key] || result.variation !== theirs.$flagsState[key]?.variation) {
          throw new Error(
            `${key} for ${JSON.stringify(c)}: ${JSON.stringify(result)} vs the SDK's ${theirs[key]}`,
          );
        }
        const at = `${result.variation}`;
        variations.set(at, (variations.get(at) ?? 0) + 1);
      }
    }
    console.log(
      `  Switchboard's evalx and the SDK's allFlagsState agree on ${FLAGS} flags × ${CONTEXTS} contexts (variations served: ${[...variations].map(([v, n]) => `${v}: ${n}`).join(', ')})`,
    );

    console.log('  evalx rates');
    const fresh: number[] = [];
    const again: number[] = [];
    let unique = CONTEXTS;
    const base = server.baseUrl;
    for (let r = 0; r < REPETITIONS; r++) {
      fresh.push(await evalxRate(base, () => `/sdk/evalx/${envId}/contexts/${encode(context(unique++))}`));
      const repeated = contexts.slice(0, 100).map((c) => `/sdk/evalx/${envId}/contexts/${encode(c)}`);
      again.push(await evalxRate(base, (n) => repeated[n % repeated.length] as string));
    }

    console.log('  in-process: Switchboard clientResultsJson vs the SDK allFlagsState');
    const ours = await inProcessRate(
      (i) => clientResultsJson(data, parsed[i % CONTEXTS] as never, 'browser', false).length,
    );
    const client = sdk;
    const theirs = await inProcessRate(
      async (i) =>
        JSON.stringify(
          (
            await client.allFlagsState(contexts[i % CONTEXTS] as LDContext, { clientSideOnly: true })
          ).toJSON(),
        ).length,
    );

    rows.push(
      {
        name: `GET /sdk/evalx, ${FLAGS} flags, a new context every request (median of ${REPETITIONS} × ${RATE_SECONDS} s)`,
        value: perSecond(median(fresh)),
        target: '≥ 3,000 req/s',
      },
      {
        name: `GET /sdk/evalx, ${FLAGS} flags, 100 contexts asked again (the kept answer)`,
        value: perSecond(median(again)),
        target: '',
      },
      {
        name: `in-process, ${FLAGS} flags for one context: Switchboard clientResultsJson (what evalx runs)`,
        value: `${count(ours)} /s`,
        target: '',
      },
      {
        name: `in-process, ${FLAGS} flags for one context: official Node SDK allFlagsState + JSON`,
        value: `${count(theirs)} /s`,
        target: '',
      },
      {
        name: 'ratio, Switchboard vs the SDK, in-process',
        value: `${(ours / theirs).toFixed(1)}×`,
        target: '≥ 1×',
      },
      {
        name: 'ratio, Switchboard evalx over HTTP (new contexts) vs the SDK in-process',
        value: `${(median(fresh) / theirs).toFixed(1)}×`,
        target: '≥ 1×',
      },
    );
    sdk.close();
    sdk = undefined;

    if (!options.includes('--no-streams')) {
      console.log(`  ${count(streams)} client streams`);
      rows.push(
        ...(await streamFanout({
          server,
          sdkKey: '',
          apiToken: TOKEN,
          flagPath: `/api/v2/flags/${PROJECT}/flag-1`,
          streams,
          rounds,
          clientSideId: envId,
        })),
      );
    }
    printTable(rows);
  } finally {
    sdk?.close();
    await api?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await runClientSdkBench(process.argv.slice(2));
