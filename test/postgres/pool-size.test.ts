import { sql } from 'kysely';
import pg from 'pg';
import { expect, it } from 'vitest';
import { startTestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * `SWITCHBOARD_DATABASE_POOL_SIZE` bounds the connections a process keeps for its work: every
 * process on one database shares the server's `max_connections`.
 */
it('keeps at most SWITCHBOARD_DATABASE_POOL_SIZE statements running at once', {
  timeout: 30_000,
}, async () => {
  const t = await startTestSwitchboard({ SWITCHBOARD_DATABASE_POOL_SIZE: '2' });
  const watcher = new pg.Client(process.env.SWITCHBOARD_TEST_DATABASE_URL);
  await watcher.connect();
  try {
    const mark = `pool-size-probe-${process.pid}`;
    const { db } = t.switchboard.database;
    const sleeps = Array.from({ length: 6 }, () =>
      sql`select pg_sleep(0.3) /* ${sql.raw(mark)} */`.execute(db),
    );
    let most = 0;
    const running = async () => {
      const { rows } = await watcher.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where state = 'active' and query like $1`,
        [`%${mark} */%`],
      );
      return rows[0]?.n ?? 0;
    };
    const deadline = Date.now() + 800;
    while (Date.now() < deadline) {
      most = Math.max(most, await running());
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(sleeps);
    expect(most).toBe(2);
  } finally {
    await watcher.end();
    await t.close();
  }
});
