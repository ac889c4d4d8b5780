import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrations } from '../../migrations/migration-list.js';
import type { Database } from './schema.js';

/** What differs between engines, decided once here instead of `if (dialect)` across the code. */
export interface DbCapabilities {
  readonly dialect: 'sqlite' | 'postgres';
  /** Several processes may share the database (claims need row locks). */
  readonly multiProcess: boolean;
}

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly capabilities: DbCapabilities;
  close(): Promise<void>;
}

export function openSqlite(file: string): DatabaseHandle {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers proceed during a write; synchronous=NORMAL is durable across process
  // crashes in WAL mode (only an OS crash can lose the last commits) and ~10x faster than FULL.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    capabilities: { dialect: 'sqlite', multiProcess: false },
    close: () => db.destroy(),
  };
}

export function openDatabase(url: string): DatabaseHandle {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  throw new Error('PostgreSQL support is not built yet; use sqlite:<path>');
}

/** Applies pending migrations; throws (so the process exits non-zero) if any fails. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    const name = failed?.migrationName ?? 'unknown';
    throw new Error(`migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
