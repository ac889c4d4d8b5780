import type { Kysely } from 'kysely';

/**
 * The REST API's rate windows shared by every process on one database (issue 19): a row per
 * caller (an access token's id, or a session's member) with when its ten-second window started
 * and the requests counted in it by all processes. Several API processes on PostgreSQL add their
 * counts to it (`SharedRateCounts`); SQLite's one process counts in memory, and has the table so
 * both schemas stay one.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_windows')
    .addColumn('caller', 'text', (c) => c.primaryKey())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .execute();
}
