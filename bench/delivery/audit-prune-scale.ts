import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { openDatabase } from '../../src/db/database.js';
import type { Database } from '../../src/db/schema.js';
import { AuditStore } from '../../src/features/audit/audit-store.js';
import { deliveriesOfDates } from '../../src/features/audit/named-entries.js';
import { insertIntegrationRow } from '../../test/helpers/integration-rows.js';
import { type PostgresCluster, startPostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { deliveriesIn } from '../../test/helpers/queue-statements.js';
import { median } from '../measure.js';
import { createPostgresDatabase } from './postgres-database.js';

/**
 * What one batch of the audit log's retention costs when the audit log is kept shorter than the
 * delivery log, so its windows fall among kept deliveries (issue 19, twelfth round): with 100,000
 * and 1,000,000 deliveries created over 30 days, on SQLite and on PostgreSQL, the median time of
 * a batch of 500 entries from the middle of those days (each named by its delivery, so all stay
 * and every run sees the same window), beside the read of `deliveries` it used to make (every
 * delivery created in the window's dates: a scan of the table).
 * `npm run bench -- audit-prune-scale [--sqlite|--postgres] [--rows=100000,1000000]`.
 */

const ROWS = [100_000, 1_000_000] as const;
const DAYS = 30;
const WINDOW = 500;
const REPETITIONS = 20;
const day = 24 * 60 * 60 * 1000;

interface Outcome {
  readonly engine: string;
  readonly rows: number;
  readonly batchMs: number;
  readonly spanRows: number;
  readonly oldReadMs: number;
}

/** `rows` delivered deliveries a creation date apart over `DAYS`, and the window's entries. */
async function fill(db: Kysely<Database>, postgres: boolean, rows: number): Promise<void> {
  for (let i = 0; i < 10; i++) await insertIntegrationRow(db, `i${i}`);
  const every = Math.floor((DAYS * day) / rows);
  const series = postgres
    ? sql`generate_series(1, ${rows}) as s(n)`
    : sql`(with recursive s(n) as (select 1 union all select n + 1 from s where n < ${rows}) select n from s) as s`;
  await sql`insert into deliveries
      (integration_id, audit_id, kind, status, attempts, run_at, created_at, finished_at)
    select 'i' || (n % 10), 'd' || n, 'flag', 'done', 1, 0, cast(n as bigint) * ${every}, 1 from ${series}`.execute(
    db,
  );
  const middle = Math.floor(rows / 2);
  await sql`insert into audit_entries (id, date, kind, search, accesses, entry)
    select 'd' || n, cast(n as bigint) * ${every}, 'flag', '', '[]', '{}' from ${series}
    where n >= ${middle} and n < ${middle + WINDOW}`.execute(db);
  if (postgres) await sql`analyze`.execute(db);
}

async function medianMs(call: () => Promise<unknown>): Promise<number> {
  await call();
  const samples: number[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

async function measure(engine: string, url: string, rows: number): Promise<Outcome> {
  const handle = await openDatabase(url);
  try {
    await handle.migrate();
    const { db } = handle;
    await fill(db, engine === 'PostgreSQL', rows);
    const store = new AuditStore();
    const dates = (await db.selectFrom('audit_entries').select('date').orderBy('date').execute()).map((r) =>
      Number(r.date),
    );
    const from = dates[0] ?? 0;
    const to = dates.at(-1) ?? 0;
    const batchMs = await medianMs(async () => {
      const batch = await store.prune(db, Number.MAX_SAFE_INTEGER, WINDOW);
      if (batch.deleted !== 0) throw new Error(`the batch deleted ${batch.deleted} named entries`);
    });
    const span = await deliveriesOfDates(db, from, to);
    if (span === undefined) throw new Error('the window reads no delivery: it is not among them');
    const spanRows = await deliveriesIn(db, span);
    const oldReadMs = await medianMs(() =>
      db
        .selectFrom('deliveries')
        .select('audit_id')
        .where('created_at', '>=', from)
        .where('created_at', '<=', to)
        .execute(),
    );
    return { engine, rows, batchMs, spanRows, oldReadMs };
  } finally {
    await handle.close();
  }
}

export async function runAuditPruneScaleBench(args: readonly string[] = []): Promise<void> {
  const rowsArg = args.find((a) => a.startsWith('--rows='));
  const rows = rowsArg === undefined ? [...ROWS] : rowsArg.slice('--rows='.length).split(',').map(Number);
  if (rows.some((n) => !Number.isInteger(n) || n < WINDOW * 4))
    throw new Error(`--rows: expected whole numbers of at least ${WINDOW * 4}, e.g. --rows=100000`);
  const only = args.includes('--sqlite') ? 'SQLite' : args.includes('--postgres') ? 'PostgreSQL' : undefined;
  const cpu = cpus();
  console.log(`# audit log retention at scale — ${new Date().toISOString()}`);
  console.log(
    `node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-audit-prune-'));
  let cluster: PostgresCluster | undefined;
  const outcomes: Outcome[] = [];
  try {
    for (const n of rows) {
      if (only !== 'PostgreSQL')
        outcomes.push(await measure('SQLite', `sqlite:${join(dir, `audit-${n}.db`)}`, n));
      if (only !== 'SQLite') {
        cluster ??= await startPostgresCluster();
        outcomes.push(await measure('PostgreSQL', await createPostgresDatabase(cluster, `sb_audit_${n}`), n));
      }
    }
  } finally {
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
  console.log(
    `| database | deliveries over ${DAYS} days | batch of ${WINDOW} entries | deliveries in its id span | the old read (the window's dates, by scan) |`,
  );
  console.log('|---|---|---|---|---|');
  const f = (value: number) => `${value.toFixed(2)} ms`;
  for (const o of outcomes)
    console.log(
      `| ${o.engine} | ${o.rows.toLocaleString('en-US')} | ${f(o.batchMs)} | ${o.spanRows.toLocaleString('en-US')} | ${f(o.oldReadMs)} |`,
    );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runAuditPruneScaleBench(process.argv.slice(2));
}
