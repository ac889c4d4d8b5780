import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prepareStatementsByName } from '../../src/db/postgres-statements.js';
import type { Database } from '../../src/db/schema.js';
import { DatabaseUnavailableError } from '../../src/errors/app-errors.js';
import {
  type ApiResponse,
  freshPostgresDatabase,
  startTestSwitchboard,
  type TestSwitchboard,
} from '../helpers/test-switchboard.js';

/**
 * A PostgreSQL server that stops answering without closing its connections (a frozen host, a
 * failover that left the old address dead, a network that drops packets; here SIGSTOP on the
 * backends) held every statement sent on a pooled connection until TCP gave up, about 15
 * minutes: each request that reached one waited that long, and the pool ran out. With
 * `SWITCHBOARD_DATABASE_TIMEOUT` such a statement fails in time, its connection is closed, and
 * the next request gets a new one. Before the deadline, the first request here never answered.
 */

let fresh: { url: string; drop: () => Promise<void> };
let t: TestSwitchboard;
let admin: pg.Client;
/** Backends stopped by a test, let go before anything closes (a close would wait on them). */
const stopped: number[] = [];

beforeAll(async () => {
  fresh = await freshPostgresDatabase();
  t = await startTestSwitchboard({ SWITCHBOARD_DATABASE_URL: fresh.url, SWITCHBOARD_DATABASE_TIMEOUT: '1' });
  admin = new pg.Client({ connectionString: fresh.url });
  await admin.connect();
  expect((await t.api('POST', '/api/v2/projects', { key: 'p', name: 'P' })).status).toBe(201);
  expect((await t.api('POST', '/api/v2/flags/p', { key: 'f', name: 'F' })).status).toBe(201);
});
afterEach(() => {
  for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
});
afterAll(async () => {
  for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
  await admin?.end();
  await t?.close();
  await fresh?.drop();
});

/** Stops the server processes of the Switchboard's pooled connections (not its LISTENs, not ours). */
async function freezePool(): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity
      where datname = current_database() and backend_type = 'client backend'
        and pid <> pg_backend_pid() and query not ilike 'LISTEN%'`,
  );
  const pids = rows.map((row) => row.pid);
  for (const pid of pids) {
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
  }
  return pids;
}

async function auditEntries(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from audit_entries');
  return rows[0]?.n ?? 0;
}

/** The request's answer, or a failure if none came within `ms` (a hung request, before the fix). */
async function answered(request: Promise<ApiResponse>, ms = 10_000): Promise<ApiResponse> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([request, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a PostgreSQL server gone silent (SWITCHBOARD_DATABASE_TIMEOUT)', () => {
  it('fails a request on a silent connection with a 503 in time, and answers the next on a new one', async () => {
    const frozen = await freezePool();
    expect(frozen.length).toBeGreaterThan(0);
    const started = Date.now();
    const statuses: number[] = [];
    // Each failure closes one silent connection; once they are gone, a new one answers.
    for (let i = 0; i <= frozen.length && statuses.at(-1) !== 200; i++) {
      const res = await answered(t.api('GET', '/api/v2/flags/p/f'));
      statuses.push(res.status);
      if (res.status === 503) {
        expect(res.body).toEqual({
          code: 'service_unavailable',
          message:
            'PostgreSQL did not answer within 1 s, so its connection was closed; try again (a change sent may still have been made)',
        });
        expect(res.headers['retry-after']).toBe('1');
      }
    }
    expect(statuses[0]).toBe(503);
    expect(statuses.at(-1)).toBe(200);
    // About a second per silent connection, not minutes; the old backends are still stopped.
    expect(Date.now() - started).toBeLessThan((frozen.length + 1) * 1_000 + 5_000);
  }, 60_000);

  it('leaves a toggle cut off by the silence made whole or not at all', async () => {
    const entriesBefore = await auditEntries();
    await freezePool();
    const toggle = await answered(
      t.api('PATCH', '/api/v2/flags/p/f', [
        { op: 'replace', path: '/environments/production/on', value: true },
      ]),
    );
    expect(toggle.status).toBe(503);
    // The backend may still run what it had received once it goes on: the flag and its audit
    // entry agree either way.
    for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
    const flag = await answered(t.api('GET', '/api/v2/flags/p/f'));
    expect(flag.status).toBe(200);
    const on: boolean = flag.body.environments.production.on;
    const entries = (await auditEntries()) - entriesBefore;
    expect({ on, entries }).toEqual({ on, entries: on ? 1 : 0 });
  }, 60_000);
});

describe('the answer deadline on a pooled connection', () => {
  let db: Kysely<Database>;
  beforeAll(() => {
    const pool = new pg.Pool({ connectionString: fresh.url, max: 1 });
    prepareStatementsByName(pool, { answerMs: 1_000 });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('lets a slow statement that answers in time finish, and closes the connection of one that does not', async () => {
    const backend = async () =>
      (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]?.pid;
    const first = await backend();
    await sql`select pg_sleep(0.3)`.execute(db);
    expect(await backend()).toBe(first);
    await expect(sql`select pg_sleep(3)`.execute(db)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    // The pool's only connection was closed and replaced.
    const second = await backend();
    expect(second).not.toBe(first);
  });

  it('fails the rollback of a transaction cut off too, and the pool goes on with a new connection', async () => {
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(1)`.execute(tx);
        await sql`select pg_sleep(3)`.execute(tx);
      }),
    ).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
  });
});
