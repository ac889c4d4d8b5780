import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatabaseHandle, migrateToLatest, openPostgres, openSqlite } from '../../src/db/database.js';
import { freshPostgresDatabase, testDialect } from './test-switchboard.js';

export interface TestDatabase {
  readonly handle: DatabaseHandle;
  /** One more connection (pool) to the same database, as another process would open; closed with it. */
  another(): Promise<DatabaseHandle>;
  close(): Promise<void>;
}

/**
 * A migrated database of the suite's engine (empty with `migrated: false`), without the app: a
 * SQLite file in a fresh directory, or a fresh database on the test cluster under
 * vitest.postgres.config.ts.
 */
export async function openTestDatabase(migrated = true): Promise<TestDatabase> {
  if (testDialect === 'postgres') {
    const { url, drop } = await freshPostgresDatabase();
    const handle = await openPostgres(url);
    if (migrated) await migrateToLatest(handle.db);
    const others: DatabaseHandle[] = [];
    return {
      handle,
      async another() {
        const other = await openPostgres(url);
        others.push(other);
        return other;
      },
      async close() {
        for (const other of others) await other.close();
        await handle.close();
        await drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-db-'));
  const handle = openSqlite(join(dir, 'db.sqlite'));
  if (migrated) await migrateToLatest(handle.db);
  const others: DatabaseHandle[] = [];
  return {
    handle,
    async another() {
      // Taking turns at the write lock with the first, as the delivery thread's connection does.
      const other = openSqlite(join(dir, 'db.sqlite'), {
        checkpointer: false,
        writeTurns: handle.writeTurns,
      });
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
