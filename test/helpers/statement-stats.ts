import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/schema.js';

/**
 * What a test's own PostgreSQL database ran, from pg_stat_statements (the test cluster loads it:
 * `startPostgresCluster({ statementStats: true })`). Texts are as PostgreSQL normalizes them.
 */

/** Starts counting afresh for this database only (other test files share the cluster). */
export async function resetStatementStats(db: Kysely<Database>): Promise<void> {
  await sql`create extension if not exists pg_stat_statements`.execute(db);
  await sql`select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()), 0)`.execute(
    db,
  );
}

/** How many times this database ran statements whose text is `like` the pattern, since the reset. */
export async function statementCalls(db: Kysely<Database>, like: string): Promise<number> {
  const { rows } = await sql<{ calls: string | null }>`
    select sum(calls) as calls from pg_stat_statements
    where dbid = (select oid from pg_database where datname = current_database())
      and ltrim(query) like ${like}`.execute(db);
  return Number(rows[0]?.calls ?? 0);
}
