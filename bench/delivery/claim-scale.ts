import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from '../../src/db/database.js';
import type { Database } from '../../src/db/schema.js';
import { IntegrationHealthStore } from '../../src/features/delivery/integration-health-store.js';
import type { DeliveryQueue } from '../../src/features/delivery/queue/delivery-queue.js';
import { deliveryQueueFor } from '../../src/features/delivery/queue/delivery-queue-for.js';
import type { FakeHipChat } from '../../test/helpers/fake-hipchat.js';
import { type PostgresCluster, startPostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { median } from '../measure.js';
import {
  FLAGS,
  LATENCY_DRAIN_MS,
  type LatencyResult,
  measureLatency,
  ms,
  PROJECT,
  type Size,
  setUpIntegrations,
  startBenchFake,
  TOKEN,
  warmUp,
  whole,
} from './delivery-phases.js';
import { LoadClient } from './load-client.js';
import { NotificationTracker } from './notification-tracker.js';
import { benchFakeHipChatEnv, compileServer, SwitchboardProcess } from './switchboard-process.js';

/**
 * What the delivery queue costs as the outbox fills with delivered rows (issue 19): at 10,000,
 * 100,000 and 1,000,000 delivered rows, on SQLite and on PostgreSQL, the median time of one claim
 * (heads, lanes of up to four, leases, given back), of `nextDueAt` and of `pendingCount`, the old
 * heads query for comparison, and change → delivery p50 / p99 through a real server process.
 * `npm run bench -- delivery-scale [--sqlite|--postgres] [--rows=10000,100000] [--built]`.
 */

const ROWS = [10_000, 100_000, 1_000_000] as const;
const INTEGRATIONS = 10;
/**
 * 50 notifications/s, well under what either database sustains here, so the latency shows what
 * a claim costs rather than a queue that grows (issue 19 saw p50 rise from 12.5 ms to 90 ms at
 * 50 toggles/s as the table grew from 5,600 to 62,000 rows).
 */
const SIZE: Size = { integrations: INTEGRATIONS, toggles: 100, repetitions: 1, pacedPerSecond: 5 };
const CLAIMS = 200;
/** The old query reads the whole table on PostgreSQL: fewer repetitions, and at most ~10 s. */
const OLD_QUERIES = 20;
const SECRET_KEY = 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=';
const day = 24 * 60 * 60 * 1000;

interface Engine {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** A fresh, empty database, and how to remove it. */
  fresh(rows: number): Promise<{ url: string; drop(): Promise<void> }>;
}

interface Outcome {
  readonly engine: Engine['name'];
  readonly rows: number;
  readonly claimMs: number;
  readonly nextDueMs: number;
  readonly pendingCountMs: number;
  readonly oldHeadsMs: number;
  readonly latency: LatencyResult;
}

function sqliteEngine(dir: string): Engine {
  return {
    name: 'SQLite',
    async fresh(rows) {
      const file = join(dir, `scale-${rows}.db`);
      return { url: `sqlite:${file}`, drop: async () => rmSync(file, { force: true }) };
    },
  };
}

function postgresEngine(cluster: PostgresCluster): Engine {
  const admin = async (statement: string) => {
    const client = new pg.Client(cluster.url);
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'PostgreSQL',
    async fresh(rows) {
      const name = `sb_scale_${rows}`;
      await admin(`create database ${name}`);
      const url = new URL(cluster.url);
      url.pathname = `/${name}`;
      return { url: url.toString(), drop: () => admin(`drop database ${name} with (force)`) };
    },
  };
}

/**
 * `rows` delivered deliveries, finished a day ago, spread over the integrations: one bulk
 * statement per integration (generate_series, or a recursive CTE on SQLite), not the API.
 */
async function fillDelivered(db: Kysely<Database>, engine: Engine['name'], rows: number): Promise<void> {
  const ids = (await db.selectFrom('integrations').select('id').execute()).map((r) => r.id);
  const each = Math.ceil(rows / ids.length);
  const at = Date.now() - day;
  const series =
    engine === 'PostgreSQL'
      ? sql`generate_series(1, ${each}) as s(n)`
      : sql`(with recursive s(n) as (select 1 union all select n + 1 from s where n < ${each}) select n from s) as s`;
  for (const id of ids) {
    await sql`insert into deliveries
        (integration_id, audit_id, kind, status, attempts, run_at, created_at, finished_at)
      select ${id}, 'bench-filled', 'flag', 'done', 1, ${at}, ${at}, ${at} from ${series}`.execute(db);
  }
}

/** Median milliseconds of `repetitions` calls, after two untimed ones. */
async function medianMs(
  repetitions: number,
  call: () => Promise<unknown>,
  budgetMs = 10_000,
): Promise<number> {
  await call();
  await call();
  const samples: number[] = [];
  const until = performance.now() + budgetMs;
  for (let i = 0; i < repetitions && (samples.length < 3 || performance.now() < until); i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/** The heads query before issue 19: each head's id by `min()`, joined back to its row. */
const oldHeads = (db: Kysely<Database>, now: number) =>
  sql`select d.id, d.integration_id, d.audit_id, d.attempts
    from (select (select min(q.id) from deliveries q where q.status = ${'pending'} and q.integration_id = i.id) as head
          from integrations i) h
    inner join deliveries d on d.id = h.head
    where d.run_at <= ${now} and (d.locked_at is null or d.locked_at < ${now - 60_000})
    order by d.id limit ${INTEGRATIONS}`.execute(db);

/** Claim costs on a database no worker is using: five due deliveries queued per integration. */
async function claimCosts(handle: DatabaseHandle, queue: DeliveryQueue) {
  const { db } = handle;
  const ids = (await db.selectFrom('integrations').select('id').execute()).map((r) => r.id);
  for (let k = 0; k < 5; k++)
    await queue.enqueue(db, { integrationIds: ids, auditId: `bench-pending-${k}`, kind: 'flag', at: 0 });
  const now = Date.now();
  const request = { workerId: 'bench', now, staleBefore: now - 60_000, limit: INTEGRATIONS, depth: 4 };
  return {
    claimMs: await medianMs(CLAIMS, async () => {
      const lanes = await queue.claimLanes(db, { ...request, busy: new Set() });
      if (lanes.length !== ids.length) throw new Error(`claimed ${lanes.length} lanes of ${ids.length}`);
      await queue.release(
        db,
        lanes.flatMap((l) => l.deliveries.map((d) => d.id)),
        'bench',
      );
    }),
    nextDueMs: await medianMs(CLAIMS, () => queue.nextDueAt(db, now - 60_000)),
    pendingCountMs: await medianMs(CLAIMS, () => queue.pendingCount(db, ids[0] ?? '')),
    oldHeadsMs: await medianMs(OLD_QUERIES, () => oldHeads(db, now)),
  };
}

async function measure(
  engine: Engine,
  rows: number,
  fake: FakeHipChat,
  tracker: NotificationTracker,
  entry: 'tsx' | 'built',
): Promise<Outcome> {
  const database = await engine.fresh(rows);
  try {
    const server = await SwitchboardProcess.start({
      entry,
      // tsx compiles the server at start: over 20 s on a busy machine.
      timeoutMs: 60_000,
      env: {
        SWITCHBOARD_DATABASE_URL: database.url,
        SWITCHBOARD_SECRET_KEY: SECRET_KEY,
        SWITCHBOARD_ADMIN_TOKEN: TOKEN,
        ...benchFakeHipChatEnv(fake.url),
      },
    });
    const handle = await openDatabase(database.url);
    try {
      let latency: LatencyResult;
      try {
        const client = new LoadClient(server.baseUrl, TOKEN, PROJECT, FLAGS);
        await setUpIntegrations(client, tracker, INTEGRATIONS, true);
        const filling = performance.now();
        await fillDelivered(handle.db, engine.name, rows);
        console.error(
          `${engine.name}: ${whole(rows)} delivered rows in ${((performance.now() - filling) / 1000).toFixed(1)} s`,
        );
        await warmUp(client, tracker, SIZE, true);
        latency = await measureLatency(client, tracker, () => server.cpuMs(), SIZE);
      } finally {
        await server.stop();
      }
      const costs = await claimCosts(
        handle,
        deliveryQueueFor(handle.capabilities, new IntegrationHealthStore()),
      );
      return { engine: engine.name, rows, latency, ...costs };
    } finally {
      await handle.close();
    }
  } finally {
    await database.drop();
  }
}

function parseArgs(args: readonly string[]) {
  const rowsArg = args.find((a) => a.startsWith('--rows='));
  const rows = rowsArg === undefined ? [...ROWS] : rowsArg.slice('--rows='.length).split(',').map(Number);
  if (rows.some((n) => !Number.isInteger(n) || n < INTEGRATIONS))
    throw new Error(`--rows: expected whole numbers of at least ${INTEGRATIONS}, e.g. --rows=10000,100000`);
  const only = args.includes('--sqlite') ? 'SQLite' : args.includes('--postgres') ? 'PostgreSQL' : undefined;
  return { rows, only, built: args.includes('--built') };
}

export async function runClaimScaleBench(args: readonly string[] = []): Promise<void> {
  const options = parseArgs(args);
  const entry = options.built ? 'built' : 'tsx';
  if (options.built) compileServer();
  const started = Date.now();
  const cpu = cpus();
  console.log(`# delivery queue at scale — ${new Date().toISOString()}`);
  console.log(
    `node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  const tracker = new NotificationTracker();
  const fake = await startBenchFake(INTEGRATIONS, tracker);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-scale-'));
  let cluster: PostgresCluster | undefined;
  try {
    const engines: Engine[] = [];
    if (options.only !== 'PostgreSQL') engines.push(sqliteEngine(dir));
    if (options.only !== 'SQLite') {
      cluster = await startPostgresCluster();
      engines.push(postgresEngine(cluster));
    }
    const outcomes: Outcome[] = [];
    for (const engine of engines)
      for (const rows of options.rows) outcomes.push(await measure(engine, rows, fake, tracker, entry));
    const paced = `${SIZE.pacedPerSecond} toggles/s × ${INTEGRATIONS} rooms`;
    console.log('');
    console.log(
      `| database | delivered rows | claim (10 lanes of 4) | nextDueAt | pendingCount | old heads query | change → delivery p50 / p99 (${paced}) |`,
    );
    console.log('|---|---|---|---|---|---|---|');
    const f = (value: number) => `${value.toFixed(2)} ms`;
    for (const o of outcomes) {
      const p50 = ms(o.latency.p50Ms, LATENCY_DRAIN_MS);
      const p99 = ms(o.latency.p99Ms, LATENCY_DRAIN_MS);
      console.log(
        `| ${o.engine} | ${whole(o.rows)} | ${f(o.claimMs)} | ${f(o.nextDueMs)} | ${f(o.pendingCountMs)} | ${f(o.oldHeadsMs)} | ${p50} / ${p99} |`,
      );
    }
    console.log(`\n(ran in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    cluster?.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runClaimScaleBench(process.argv.slice(2));
}
