import type { Kysely } from 'kysely';

/**
 * The chat throttles shared by every process on one database (issue 19): a row per throttled
 * key (a HipChat room or token, a Slack channel) with the times of its last sends and the end
 * of a block a 429 set. PostgreSQL's workers use it (`PostgresSendThrottle`); SQLite's one
 * process keeps its throttles in memory, and has the table so both schemas stay one.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('send_throttles')
    .addColumn('limiter', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('sends', 'text', (c) => c.notNull())
    .addColumn('blocked_until', 'bigint', (c) => c.notNull())
    .addColumn('touched_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('send_throttles_key', ['limiter', 'key'])
    .execute();
}
