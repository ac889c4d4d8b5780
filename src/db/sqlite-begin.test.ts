import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type DatabaseHandle, openSqlite } from './database.js';
import { prepareQuery } from './prepared-query.js';
import { WriteTurns } from './sqlite-begin.js';

// Two connections on one file, as the API and the delivery thread have (database.ts,
// sqlite-begin.ts). Both run on this test's one thread, so a connection that blocked inside
// SQLite waiting for the other's lock would never see it released.

let dir: string;
let first: DatabaseHandle;
let second: DatabaseHandle;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-begin-'));
  first = openSqlite(join(dir, 'db.sqlite'));
  // The delivery thread's connection takes part in the API connection's turns (WriteTurns).
  second = openSqlite(join(dir, 'db.sqlite'), { checkpointer: false, writeTurns: first.writeTurns });
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

/**
 * A transaction on `handle` that writes and then holds the write lock until `release()`;
 * `written` resolves once it holds it.
 */
function holdingWrite(handle: DatabaseHandle): {
  done: Promise<void>;
  written: Promise<void>;
  release: () => void;
} {
  let release: () => void = () => undefined;
  let wrote: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const written = new Promise<void>((resolve) => {
    wrote = resolve;
  });
  const done = handle.db.transaction().execute(async (tx) => {
    await sql`update counters set n = n + 1 where id = 1`.execute(tx);
    wrote();
    await held;
  });
  return { done, written, release };
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
  const { done: holder, release } = holdingWrite(first);
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

it('a connection that waits gets the next turn, even from one that begins again at once', async () => {
  let firstCommits = 0;
  const busy = (async () => {
    for (let i = 0; i < 50; i++) {
      await first.db.transaction().execute(async (tx) => {
        await sql`update counters set n = n + 1 where id = 1`.execute(tx);
        await new Promise((resolve) => setTimeout(resolve, 1));
      });
      firstCommits++;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 3));
  await second.db.transaction().execute(async (tx) => {
    await sql`update counters set n = n + 100 where id = 1`.execute(tx);
  });
  const firstCommitsBeforeSecond = firstCommits;
  await busy;
  // Without turns the waiting connection found the lock free only once the busy one was done.
  expect(firstCommitsBeforeSecond).toBeLessThanOrEqual(3);
  expect(await counter(first)).toBe(150);
});

it('a turn held by a thread that ended is given back, and the others go on', async () => {
  const shared = first.writeTurns as SharedArrayBuffer;
  // A delivery thread cut off inside a transaction: it took the turn and will never give it.
  await new WriteTurns(shared).take();
  let done = false;
  const waiter = second.db
    .transaction()
    .execute(async (tx) => {
      await sql`update counters set n = n + 1 where id = 1`.execute(tx);
    })
    .then(() => {
      done = true;
    });
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(done).toBe(false);
  const forsaken = Date.now();
  new WriteTurns(shared).forsake(threadId);
  await waiter;
  // Not the busy timeout's five seconds, after which a connection goes on without its turn.
  expect(Date.now() - forsaken).toBeLessThan(1_000);
  expect(await counter(first)).toBe(1);
});

/**
 * A write on `second` outside any transaction while `first` holds the write lock; how many
 * times a 2 ms interval ran meanwhile. Without a turn the write sat in SQLite's busy timeout on
 * this thread, where the holder could not commit: five seconds, then SQLITE_BUSY.
 */
async function writeWhileHeld(write: () => Promise<unknown>): Promise<number> {
  const { done: holder, written, release } = holdingWrite(first);
  await written;
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 2);
  setTimeout(release, 60);
  await Promise.all([holder, write()]);
  clearInterval(ticker);
  return ticks;
}

it('a write outside any transaction waits its turn too, without stopping the event loop', async () => {
  // Kysely's own path: a pruner's delete, a throttle's block, a session's insert.
  const ticks = await writeWhileHeld(() =>
    sql`update counters set n = n + 10 where id = 1`.execute(second.db),
  );
  expect(ticks).toBeGreaterThan(5);
  expect(await counter(first)).toBe(11);
});

it("a prepared query's lone write waits its turn as well", async () => {
  const bump = prepareQuery((db, by: number) =>
    db
      .updateTable('counters' as never)
      .set({ n: sql`n + ${by}` } as never)
      .where('id' as never, '=', 1 as never),
  );
  const ticks = await writeWhileHeld(() => bump.run(second.db, 100));
  expect(ticks).toBeGreaterThan(5);
  expect(await counter(first)).toBe(101);
});

it('a read outside a transaction does not wait for the turn', async () => {
  const { done: holder, written, release } = holdingWrite(first);
  await written;
  // WAL: the other connection reads the last commit while the holder still writes.
  expect(await counter(second)).toBe(0);
  release();
  await holder;
});
