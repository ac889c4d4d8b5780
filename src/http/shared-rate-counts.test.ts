import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openSqlite } from '../db/database.js';
import { RestRateLimiter, rateWindowMs } from './rate-limit.js';
import { DatabaseRateCounts } from './shared-rate-counts.js';

/**
 * Two limiters on one database are two API processes (the composition root shares them only on
 * PostgreSQL; the statements are the same on a SQLite file, which keeps this test in the fast
 * suite). Reports are sent by hand here instead of by the timer.
 */

let dir: string;
let handle: DatabaseHandle;
let now: number;
const errors: unknown[] = [];

const limiter = (db = handle) =>
  new RestRateLimiter(5, () => now, {
    counts: new DatabaseRateCounts(db.db),
    everyMs: 60_000,
    onError: (error) => errors.push(error),
  });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-rate-'));
  handle = openSqlite(join(dir, 'db.sqlite'));
  await migrateToLatest(handle.db);
  now = 1_000_000;
  errors.length = 0;
});
afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('REST rate windows shared through the database', () => {
  it('a process starts from what the others counted, and learns of theirs when it reports', async () => {
    const a = limiter();
    const b = limiter();
    await a.ready('t');
    expect([1, 2, 3].map(() => a.take('t', 'GET /x').globalRemaining)).toEqual([4, 3, 2]);
    await a.report();

    now += 1_000;
    await b.ready('t');
    expect(b.take('t', 'GET /y')).toEqual({
      globalRemaining: 1,
      routeRemaining: 4,
      reset: 1_000_000 + rateWindowMs,
    });
    expect(b.take('t', 'GET /y').globalRemaining).toBe(0);
    expect(b.take('t', 'GET /y')).toMatchObject({ retryAfterMs: rateWindowMs - 1_000 });
    await b.report();

    // A still has its own window: it counts one more, then hears of B's two.
    expect(a.ready('t')).toBeUndefined();
    expect(a.take('t', 'GET /x').globalRemaining).toBe(1);
    await a.report();
    expect(a.take('t', 'GET /x').retryAfterMs).toBe(rateWindowMs - 1_000);
    expect(await handle.db.selectFrom('rate_windows').selectAll().execute()).toEqual([
      { caller: 't', started_at: 1_000_000, total: 6 },
    ]);
  });

  it('a window that ran out starts afresh, in the database too', async () => {
    const a = limiter();
    await a.ready('t');
    a.take('t', 'GET /x');
    await a.report();
    now += rateWindowMs;
    await a.ready('t');
    expect(a.take('t', 'GET /x')).toMatchObject({ globalRemaining: 4, reset: now + rateWindowMs });
    await a.report();
    expect(await handle.db.selectFrom('rate_windows').selectAll().execute()).toEqual([
      { caller: 't', started_at: now, total: 1 },
    ]);
  });

  it('deletes windows a minute over, and keeps counts a failed report could not send', async () => {
    const a = limiter();
    a.take('old', 'GET /x');
    await a.report();
    now += 61_000;
    a.take('new', 'GET /x');
    await a.report();
    expect(await handle.db.selectFrom('rate_windows').select('caller').execute()).toEqual([
      { caller: 'new' },
    ]);

    // A database without the table yet: the report fails, as one to a database gone would.
    const elsewhere = openSqlite(join(dir, 'other.sqlite'));
    try {
      const b = limiter(elsewhere);
      b.take('t', 'GET /x');
      await b.report();
      expect(errors).toHaveLength(1);
      // Counted alone meanwhile, and sent with the next report that goes through.
      expect(b.take('t', 'GET /x').globalRemaining).toBe(3);
      await migrateToLatest(elsewhere.db);
      await b.report();
      expect(await elsewhere.db.selectFrom('rate_windows').select(['caller', 'total']).execute()).toEqual([
        { caller: 't', total: 2 },
      ]);
    } finally {
      await elsewhere.close();
    }
  });
});
