import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type DatabaseHandle, openSqlite } from './database.js';

// Two connections on one file, as the API and the delivery thread have (database.ts,
// sqlite-begin.ts). Both run on this test's one thread, so a connection that blocked inside
// SQLite waiting for the other's lock would never see it released.

let dir: string;
let first: DatabaseHandle;
let second: DatabaseHandle;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-begin-'));
  first = openSqlite(join(dir, 'db.sqlite'));
  second = openSqlite(join(dir, 'db.sqlite'), { checkpointer: false });
  await sql`create table counters (id integer primary key, n integer not null)`.execute(first.db);
  await sql`insert into counters (id, n) values (1, 0)`.execute(first.db);
});
afterEach(async () => {
  await second.close();
  await first.close();
  rmSync(dir, { recursive: true, force: true });
});

async function counter(handle: DatabaseHandle): Promise<number> {
  const { rows } = await sql<{ n: number }>`select n from counters where id = 1`.execute(handle.db);
  return rows[0]?.n ?? Number.NaN;
}

it('a transaction that read before another connection wrote still writes: it waits its turn', async () => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const reader = first.db.transaction().execute(async (tx) => {
    const before = await counter({ ...first, db: tx });
    await held; // the other connection tries to write meanwhile
    await sql`update counters set n = ${before + 1} where id = 1`.execute(tx);
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  const writer = second.db.transaction().execute(async (tx) => {
    const before = await counter({ ...second, db: tx });
    await sql`update counters set n = ${before + 10} where id = 1`.execute(tx);
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  release();
  // A deferred `begin` let both read 0: one of them would then fail with SQLITE_BUSY_SNAPSHOT.
  await expect(Promise.all([reader, writer])).resolves.toBeDefined();
  expect(await counter(first)).toBe(11);
});

it('waiting for the other connection keeps the event loop turning', async () => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const holder = first.db.transaction().execute(async (tx) => {
    await sql`update counters set n = n + 1 where id = 1`.execute(tx);
    await held;
  });
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 2);
  const waiter = second.db.transaction().execute(async (tx) => {
    await sql`update counters set n = n + 1 where id = 1`.execute(tx);
  });
  await new Promise((resolve) => setTimeout(resolve, 60));
  const ticksWhileWaiting = ticks;
  release();
  await Promise.all([holder, waiter]);
  clearInterval(ticker);
  expect(ticksWhileWaiting).toBeGreaterThan(5);
  expect(await counter(second)).toBe(2);
});
