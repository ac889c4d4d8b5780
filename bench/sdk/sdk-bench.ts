import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { basicLogger, init, type LDClient } from '@launchdarkly/node-server-sdk';
import { Pool } from 'undici';
import type { SwitchboardProcess } from '../delivery/switchboard-process.js';
import { median } from '../measure.js';
import { option, printBenchHeading, restCall, startBenchServer } from './bench-server.js';
import { count, ms, percentile, perSecond, printTable, type Row } from './report.js';
import { streamFanout } from './stream-fanout.js';
import { UNLEASH_CLIENT_TOKEN, UNLEASH_VERSION, UnleashProcess } from './unleash.js';

/**
 * The server-side SDK data plane, measured against one Switchboard process (the built server,
 * as `npm start` runs it; SQLite):
 * - change → `update`: a PATCH that toggles a flag, sent one at a time, until the streaming SDK
 *   (LaunchDarkly's official Node SDK, in this process) emits `update` for it;
 * - `GET /sdk/latest-all` with 1,000 flags, with `If-None-Match` (304) and for the full body,
 *   beside Unleash 7.5.1's `/api/client/features` with 1,000 flags, interleaved in one run;
 * - 10,000 `/all` streams held by a client process of their own (`stream-fanout.ts`).
 * Clients and server share the machine's cores, so the rates are a floor.
 */

const TOKEN = 'api-sdk-bench-0123456789abcdef0123';
const PROJECT = 'bench';
const FLAGS = 1_000;
const CHANGES = 400;
const RATE_SECONDS = 5;
const RATE_REPETITIONS = 3;

const call = (pool: Pool, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) =>
  restCall(pool, TOKEN, method, path, body);

async function createFlags(pool: Pool): Promise<void> {
  await call(pool, 'POST', '/projects', { key: PROJECT, name: 'Bench' });
  let next = 0;
  // Each flag with a targeting rule, so the payload is the size of a real one.
  const lanes = Array.from({ length: 8 }, async () => {
    for (let i = next++; i < FLAGS; i = next++) {
      await call(pool, 'POST', `/flags/${PROJECT}`, { key: `flag-${i}`, name: `Flag ${i}` });
      await call(pool, 'PATCH', `/flags/${PROJECT}/flag-${i}`, [
        {
          op: 'replace',
          path: '/environments/production/rules',
          value: [
            {
              _id: `rule-${i}`,
              clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'], negate: false }],
              variation: 0,
              trackEvents: false,
            },
          ],
        },
      ]);
    }
  });
  await Promise.all(lanes);
}

/** ms from sending each toggle to the SDK's `update` event for the flag, one change at a time. */
async function changeToUpdate(pool: Pool, client: LDClient): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const started = performance.now();
    const updated = new Promise<number>((resolve) => {
      const listener = ({ key }: { key: string }) => {
        if (key !== 'flag-0') return;
        client.off('update', listener);
        resolve(performance.now());
      };
      client.on('update', listener);
    });
    await call(pool, 'PATCH', `/flags/${PROJECT}/flag-0`, [
      { op: 'replace', path: '/environments/production/on', value: i % 2 === 0 },
    ]);
    const at = await updated;
    // The first 20 warm the JIT up on both sides.
    if (i >= 20) samples.push(at - started);
  }
  return samples;
}

/** Requests per second of `GET path` for RATE_SECONDS, the statuses seen and the body size. */
async function pollRate(base: string, path: string, headers: Readonly<Record<string, string>>) {
  const pool = new Pool(base, { connections: 16 });
  let done = 0;
  let bytes = 0;
  const statuses = new Set<number>();
  const until = performance.now() + RATE_SECONDS * 1_000;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < until) {
        const res = await pool.request({ method: 'GET', path, headers });
        bytes = (await res.body.arrayBuffer()).byteLength;
        statuses.add(res.statusCode);
        done++;
      }
    }),
  );
  await pool.close();
  return { rate: done / RATE_SECONDS, statuses: [...statuses].join(), bytes };
}

interface Poller {
  readonly name: string;
  readonly base: string;
  readonly path: string;
  readonly auth: string;
}

/**
 * Full-body and 304 rates of each poller, interleaved (A 304, B 304, A full, B full, repeated)
 * so that every figure sees the same machine load.
 */
async function pollRates(pollers: readonly Poller[]) {
  const results = pollers.map(() => ({
    notModified: [] as number[],
    full: [] as number[],
    gzip: [] as number[],
    bytes: 0,
    gzipBytes: 0,
  }));
  const etags = await Promise.all(
    pollers.map(async (p) => {
      const res = await fetch(`${p.base}${p.path}`, { headers: { authorization: p.auth } });
      await res.arrayBuffer();
      const etag = res.headers.get('etag');
      if (res.status !== 200 || etag === null) throw new Error(`${p.name}: ${res.status}, ETag ${etag}`);
      return etag;
    }),
  );
  for (let r = 0; r < RATE_REPETITIONS; r++) {
    for (const [i, p] of pollers.entries()) {
      const cached = await pollRate(p.base, p.path, {
        authorization: p.auth,
        'if-none-match': etags[i] ?? '',
      });
      if (cached.statuses !== '304') throw new Error(`${p.name}: expected only 304s, got ${cached.statuses}`);
      results[i]?.notModified.push(cached.rate);
    }
    for (const [i, p] of pollers.entries()) {
      const whole = await pollRate(p.base, p.path, { authorization: p.auth });
      if (whole.statuses !== '200') throw new Error(`${p.name}: expected only 200s, got ${whole.statuses}`);
      const result = results[i];
      if (result !== undefined) {
        result.full.push(whole.rate);
        result.bytes = whole.bytes;
      }
    }
    // As the official Node SDK polls: every GET it sends asks for gzip.
    for (const [i, p] of pollers.entries()) {
      const zipped = await pollRate(p.base, p.path, { authorization: p.auth, 'accept-encoding': 'gzip' });
      if (zipped.statuses !== '200') throw new Error(`${p.name}: expected only 200s, got ${zipped.statuses}`);
      const result = results[i];
      if (result !== undefined) {
        result.gzip.push(zipped.rate);
        result.gzipBytes = zipped.bytes;
      }
    }
  }
  return results.map((r) => ({
    notModified: median(r.notModified),
    full: median(r.full),
    gzip: median(r.gzip),
    bytes: r.bytes,
    gzipBytes: r.gzipBytes,
  }));
}

/** Starts Unleash and seeds it, or says why it cannot and carries on without it. */
async function startUnleash(): Promise<UnleashProcess | undefined> {
  const started = performance.now();
  try {
    const unleash = await UnleashProcess.start();
    await unleash.seed(FLAGS);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    console.log(`  Unleash ${UNLEASH_VERSION} up with ${FLAGS} flags in ${seconds} s`);
    return unleash;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.log(`  Unleash ${UNLEASH_VERSION} not measured: ${reason}`);
    return undefined;
  }
}

/**
 * Options: `--streams=N` (default 10,000), `--rounds=N` changes for the fan-out (default 30),
 * `--no-unleash`, `--no-streams`.
 */
export async function runSdkBench(options: readonly string[] = []): Promise<void> {
  const streams = Number(option(options, 'streams') ?? 10_000);
  const rounds = Number(option(options, 'rounds') ?? 30);
  printBenchHeading('SDK data plane bench');
  const unleash = options.includes('--no-unleash') ? undefined : await startUnleash();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sdk-bench-'));
  let server: SwitchboardProcess | undefined;
  let api: Pool | undefined;
  let client: LDClient | undefined;
  const rows: Row[] = [];
  try {
    server = await startBenchServer(dir, TOKEN);
    api = new Pool(server.baseUrl, { connections: 8 });
    await createFlags(api);
    const env = await call(api, 'GET', `/projects/${PROJECT}/environments/production`);
    const sdkKey = String(env.apiKey);
    client = init(sdkKey, {
      baseUri: server.baseUrl,
      streamUri: server.baseUrl,
      eventsUri: server.baseUrl,
      sendEvents: false,
      diagnosticOptOut: true,
      logger: basicLogger({ level: 'none' }),
    });
    await client.waitForInitialization({ timeout: 30 });
    console.log('  change → SDK update, one client');
    const latency = await changeToUpdate(api, client);
    client.close();
    client = undefined;
    rows.push(
      {
        name: `change → SDK update, one streaming client: p50 (${latency.length} changes)`,
        value: ms(percentile(latency, 50)),
        target: '≤ 5 ms',
      },
      {
        name: 'change → SDK update, one streaming client: p99',
        value: ms(percentile(latency, 99)),
        target: '≤ 20 ms',
      },
      { name: 'change → SDK update, one streaming client: max', value: ms(Math.max(...latency)), target: '' },
    );

    console.log(`  polling rates${unleash === undefined ? '' : `, beside Unleash ${UNLEASH_VERSION}`}`);
    const pollers: Poller[] = [
      { name: 'Switchboard', base: server.baseUrl, path: '/sdk/latest-all', auth: sdkKey },
      ...(unleash === undefined
        ? []
        : [
            {
              name: 'Unleash',
              base: unleash.baseUrl,
              path: '/api/client/features',
              auth: UNLEASH_CLIENT_TOKEN,
            },
          ]),
    ];
    const [ours, theirs] = await pollRates(pollers);
    // Unleash and its PostgreSQL would otherwise share the cores with the stream fan-out.
    await unleash?.stop();
    if (ours === undefined) throw new Error('no polling result');
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    rows.push(
      {
        name: `GET /sdk/latest-all, ${FLAGS} flags, If-None-Match → 304 (median of ${RATE_REPETITIONS})`,
        value: perSecond(ours.notModified),
        target: '≥ 5,000 req/s',
      },
      {
        name: `GET /sdk/latest-all, ${FLAGS} flags, full body (${kib(ours.bytes)})`,
        value: perSecond(ours.full),
        target: '',
      },
      {
        name: `GET /sdk/latest-all, ${FLAGS} flags, full body gzip, as the SDK asks (${kib(ours.gzipBytes)})`,
        value: perSecond(ours.gzip),
        target: '',
      },
    );
    if (theirs !== undefined) {
      const name = `Unleash ${UNLEASH_VERSION} GET /api/client/features, ${FLAGS} flags`;
      const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
      rows.push(
        { name: `${name}, If-None-Match → 304`, value: perSecond(theirs.notModified), target: '' },
        { name: `${name}, full body (${kib(theirs.bytes)})`, value: perSecond(theirs.full), target: '' },
        {
          name: `${name}, full body gzip (${kib(theirs.gzipBytes)})`,
          value: perSecond(theirs.gzip),
          target: '',
        },
        {
          name: 'Switchboard / Unleash, 304',
          value: ratio(ours.notModified, theirs.notModified),
          target: '≥ 10×',
        },
        { name: 'Switchboard / Unleash, full body', value: ratio(ours.full, theirs.full), target: '≥ 10×' },
        {
          name: 'Switchboard / Unleash, full body gzip (as SDKs poll)',
          value: ratio(ours.gzip, theirs.gzip),
          target: '≥ 10×',
        },
      );
    }

    if (!options.includes('--no-streams')) {
      console.log(`  ${count(streams)} /all streams`);
      const fanout = await streamFanout({
        server,
        sdkKey,
        apiToken: TOKEN,
        flagPath: `/api/v2/flags/${PROJECT}/flag-1`,
        streams,
        rounds,
      });
      rows.push(...fanout);
    }
    printTable(rows);
  } finally {
    client?.close();
    await api?.close();
    await server?.stop();
    await unleash?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runSdkBench(process.argv.slice(2));
