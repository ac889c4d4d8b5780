import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { deferBegin } from '../../src/db/deferred-begin.js';
import type { Database } from '../../src/db/schema.js';
import { freshPostgresDatabase, startTestSwitchboard, type TestSwitchboard } from './test-switchboard.js';

export interface LoggedPostgres {
  /** A Switchboard on a fresh PostgreSQL database. */
  readonly t: TestSwitchboard;
  /** A second connection pool to the same database, holding `begin` as openPostgres does. */
  readonly db: Kysely<Database>;
  /** The statements run through `db` whose text `logs` picked, in order (empty it at will). */
  readonly logged: CompiledQuery[];
  close(): Promise<void>;
}

/**
 * A Switchboard on PostgreSQL, and a Kysely over its database that logs the statements `logs`
 * picks: for tests that count what a piece of the server sends when given `db`.
 */
export async function loggedPostgres(
  logs: (sql: string) => boolean,
  poolSize: number,
): Promise<LoggedPostgres> {
  const fresh = await freshPostgresDatabase();
  const t = await startTestSwitchboard({ SWITCHBOARD_DATABASE_URL: fresh.url });
  const logged: CompiledQuery[] = [];
  const pool = new pg.Pool({
    connectionString: fresh.url,
    max: poolSize,
    idleTimeoutMillis: 0,
    pipeline: true,
  });
  pool.on('connect', (client) => deferBegin(client as unknown as Parameters<typeof deferBegin>[0]));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query' && logs(event.query.sql)) logged.push(event.query);
    },
  });
  return {
    t,
    db,
    logged,
    async close() {
      await db.destroy();
      await t.close();
      await fresh.drop();
    },
  };
}
