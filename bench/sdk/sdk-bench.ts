import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { basicLogger, init, type LDClient } from '@launchdarkly/node-server-sdk';
import { Pool } from 'undici';
import { SwitchboardProcess } from '../delivery/switchboard-process.js';
import { median } from '../measure.js';

/**
 * The server-side SDK data plane, measured against a Switchboard process (SQLite, src/main.ts
 * via tsx) with LaunchDarkly's official Node SDK as the client:
 * - change → `update`: a PATCH that toggles a flag, sent one at a time, until the streaming SDK
 *   emits `update` for it (the API request, the commit, the feed, one re-read, the event);
 * - `GET /sdk/latest-all` with 1,000 flags: requests per second with `If-None-Match` (304) and
 *   for the full body, from 64 concurrent requests over 16 connections.
 * Client and server share the machine's cores, so the rates are a floor.
 */

const TOKEN = 'api-sdk-bench-0123456789abcdef0123';
const PROJECT = 'bench';
const FLAGS = 1_000;
const CHANGES = 400;
const RATE_SECONDS = 5;
const RATE_REPETITIONS = 3;

interface Row {
  readonly name: string;
  readonly value: string;
  readonly target: string;
}

async function call(pool: Pool, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) {
  const res = await pool.request({
    method,
    path: `/api/v2${path}`,
    headers: { authorization: TOKEN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

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

/** Requests per second of `GET /sdk/latest-all` for RATE_SECONDS, and the statuses seen. */
async function pollRate(base: string, sdkKey: string, etag: string | undefined) {
  const pool = new Pool(base, { connections: 16 });
  let done = 0;
  const statuses = new Set<number>();
  const until = performance.now() + RATE_SECONDS * 1_000;
  const headers: Record<string, string> = { authorization: sdkKey };
  if (etag !== undefined) headers['if-none-match'] = etag;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < until) {
        const res = await pool.request({ method: 'GET', path: '/sdk/latest-all', headers });
        await res.body.dump({ limit: Number.POSITIVE_INFINITY });
        statuses.add(res.statusCode);
        done++;
      }
    }),
  );
  await pool.close();
  return { rate: done / RATE_SECONDS, statuses: [...statuses] };
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

function printTable(rows: readonly Row[]): void {
  const width = (f: (r: Row) => string, title: string) =>
    Math.max(title.length, ...rows.map((r) => f(r).length));
  const w = [
    width((r) => r.name, 'benchmark'),
    width((r) => r.value, 'result'),
    width((r) => r.target, 'target'),
  ];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | ')} |`;
  console.log(line(['benchmark', 'result', 'target']));
  console.log(`| ${w.map((n) => '-'.repeat(n)).join(' | ')} |`);
  for (const r of rows) console.log(line([r.name, r.value, r.target]));
}

export async function runSdkBench(): Promise<void> {
  const cpu = cpus();
  console.log(`# SDK data plane bench — ${new Date().toISOString()} (src/main.ts via tsx, SQLite)`);
  console.log(
    `node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sdk-bench-'));
  const server = await SwitchboardProcess.start({
    env: {
      SWITCHBOARD_DATABASE_URL: `sqlite:${join(dir, 'sb.db')}`,
      SWITCHBOARD_ADMIN_TOKEN: TOKEN,
      SWITCHBOARD_SECRET_KEY: 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=',
      LOG_LEVEL: 'warn',
    },
  });
  const api = new Pool(server.baseUrl, { connections: 8 });
  let client: LDClient | undefined;
  try {
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
    const latency = await changeToUpdate(api, client);

    const probe = await fetch(`${server.baseUrl}/sdk/latest-all`, { headers: { authorization: sdkKey } });
    const etag = probe.headers.get('etag') ?? undefined;
    const bodyBytes = (await probe.arrayBuffer()).byteLength;
    const notModified: number[] = [];
    const full: number[] = [];
    for (let r = 0; r < RATE_REPETITIONS; r++) {
      const cached = await pollRate(server.baseUrl, sdkKey, etag);
      if (cached.statuses.join() !== '304')
        throw new Error(`expected only 304s, got ${cached.statuses.join()}`);
      notModified.push(cached.rate);
      const whole = await pollRate(server.baseUrl, sdkKey, undefined);
      if (whole.statuses.join() !== '200')
        throw new Error(`expected only 200s, got ${whole.statuses.join()}`);
      full.push(whole.rate);
    }
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    const perSecond = (v: number) => `${Math.round(v).toLocaleString('en-US')} req/s`;
    printTable([
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
      {
        name: `GET /sdk/latest-all, ${FLAGS} flags, If-None-Match → 304 (median of ${RATE_REPETITIONS})`,
        value: perSecond(median(notModified)),
        target: '≥ 5,000 req/s',
      },
      {
        name: `GET /sdk/latest-all, ${FLAGS} flags, full body (${(bodyBytes / 1024).toFixed(0)} KiB)`,
        value: perSecond(median(full)),
        target: '',
      },
    ]);
  } finally {
    client?.close();
    await api.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runSdkBench();
