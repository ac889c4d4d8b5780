import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, type SqliteDatabase as SqliteDatabaseLike } from 'kysely';
import type pg from 'pg';
import { migrations } from '../../migrations/migration-list.js';
import { remember } from '../shared/bounded-cache.js';
import { defaultListenCheckMs, type ListenOptions, listenOnPostgres } from './postgres-listen.js';
import { prepareStatementsByName } from './postgres-statements.js';
import { runDirectly } from './prepared-query.js';
import type { Database } from './schema.js';
import { ImmediateSqliteDialect, sqliteBusyTimeoutMs, WriteTurns } from './sqlite-begin.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { TransactionTail } from './transaction-tail.js';

export type { ListenOptions } from './postgres-listen.js';

/** What differs between engines, decided once here instead of `if (dialect)` across the code. */
export interface DbCapabilities {
  readonly dialect: 'sqlite' | 'postgres';
  /** Several processes may share the database (claims need row locks, leases can be held elsewhere). */
  readonly multiProcess: boolean;
  /** `SELECT … FOR UPDATE SKIP LOCKED` exists (PostgreSQL); SQLite has one writer anyway. */
  readonly skipLocked: boolean;
  /**
   * Changes arriving in one event-loop turn share one transaction, each in a savepoint (SQLite:
   * one writer, so one fsync for many changes; PostgreSQL commits each on its own connection).
   */
  readonly groupCommit: boolean;
  /**
   * This process delivers from a thread of its own, with a second connection (a SQLite file:
   * sends do not wait behind the API's event loop). Not on `:memory:`, which is one connection's
   * own, nor on PostgreSQL, where delivery scales by processes (`SWITCHBOARD_ROLE=worker`).
   */
  readonly deliveryThread: boolean;
  /**
   * A statement is a network round trip (PostgreSQL), so reads of one thing asked for in the same
   * event-loop turn are worth sharing (`TurnBatch`); on SQLite a read is a function call.
   */
  readonly sharedReads: boolean;
  /**
   * The REST rate windows are kept in the database as well, for every API process to count
   * against (PostgreSQL); in memory only where one process serves the API (a SQLite file).
   */
  readonly sharedRateLimits: boolean;
}

/** Wakes a process when another one says there is work (PostgreSQL LISTEN/NOTIFY). */
export interface Notifier {
  /**
   * Inside a transaction: delivered to listeners when it commits (payload under 8,000 bytes).
   * In a change's transaction it is sent with the change's last statement (TransactionTail).
   */
  notify(tx: Kysely<Database>, channel: string, payload?: string): Promise<void>;
  /**
   * Calls `onNotice` for each notification; the returned function stops listening. `onLost`
   * is called once, with what happened, if the listening connection breaks or stops answering
   * (db/postgres-listen.ts): notifications may have been missed from then on, and listening
   * again is the caller's business (db/lasting-listen.ts).
   */
  listen(
    channel: string,
    onNotice: (payload: string) => void,
    onLost?: (cause: Error) => void,
    options?: ListenOptions,
  ): Promise<() => Promise<void>>;
  /** LISTEN connections lost since start (broken or silent), by channel. */
  readonly lostListens: ReadonlyMap<string, number>;
}

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly capabilities: DbCapabilities;
  /** Undefined on SQLite: one process, woken in memory after each commit. */
  readonly notifier: Notifier | undefined;
  /** What a change writes without reading back, sent in its last statement (PostgreSQL). */
  readonly tail: TransactionTail | undefined;
  /**
   * SQLite: the memory in which this connection takes turns at the write lock with the
   * process's other connections to the file (`WriteTurns`); a second one opens with it.
   */
  readonly writeTurns: SharedArrayBuffer | undefined;
  /** Applies pending migrations (`migrateToLatest`); on PostgreSQL on a connection of its own. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Kysely's SQLite driver prepares every statement again; preparing was 11–16 % of the server's
 * CPU in bench/delivery. The same few hundred SQL texts recur, so prepared statements are kept
 * (bounded, oldest dropped first). better-sqlite3 statements are reusable and we never iterate
 * two result sets of one statement at once.
 */
const maxCachedText = 2_000;
const startsWithSelect = /^\s*select\s/i;

function withStatementCache(
  sqlite: SqliteDatabase.Database,
  size = 500,
): Omit<SqliteDatabaseLike, 'prepare'> & { prepare(text: string): SqliteDatabase.Statement } {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text) {
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text);
        // A long text is a one-off (an `in (…)` list of some length): not worth the memory.
        if (text.length > maxCachedText) return statement;
        remember(cache, text, statement, size);
      }
      return statement;
    },
  };
}

export interface SqliteOptions {
  /**
   * Checkpoints the WAL from a thread of its own (default). A second connection in the same
   * process (the delivery thread's) leaves that to the first.
   */
  readonly checkpointer?: boolean;
  /** The write turns of the process's first connection to the file (`DatabaseHandle.writeTurns`). */
  readonly writeTurns?: SharedArrayBuffer | undefined;
}

export function openSqlite(file: string, options: SqliteOptions = {}): DatabaseHandle {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers proceed during a write; synchronous=NORMAL is durable across process
  // crashes in WAL mode (only an OS crash can lose the last commits) and ~10x faster than FULL.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
  let checkpointer: SqliteCheckpointer | undefined;
  if (file !== ':memory:' && options.checkpointer !== false) {
    sqlite.pragma(`wal_autocheckpoint = ${SqliteCheckpointer.backstopPages}`);
    // Past a checkpoint that emptied it, the WAL file is cut back to this size.
    sqlite.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    checkpointer = SqliteCheckpointer.start(file);
  }
  const statements = withStatementCache(sqlite);
  const turns = new WriteTurns(options.writeTurns);
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: statements }, turns, {
      // A select never writes: no second prepare of a long one-off text (an `in (…)` list).
      writes: (text) => !startsWithSelect.test(text) && !statements.prepare(text).readonly,
      get inTransaction() {
        return sqlite.inTransaction;
      },
    }),
  });
  runDirectly(db, {
    prepare: (text) => statements.prepare(text),
    get inTransaction() {
      return sqlite.inTransaction;
    },
  });
  return {
    db,
    capabilities: {
      dialect: 'sqlite',
      multiProcess: false,
      skipLocked: false,
      groupCommit: true,
      deliveryThread: file !== ':memory:',
      sharedReads: false,
      sharedRateLimits: false,
    },
    notifier: undefined,
    tail: undefined,
    writeTurns: turns.shared,
    migrate: () => migrateToLatest(db),
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

export interface PostgresOptions {
  /** Connections in the pool (`SWITCHBOARD_DATABASE_POOL_SIZE`); LISTEN connections are apart. */
  readonly poolSize?: number;
  /** How often each LISTEN connection must answer a check (`SWITCHBOARD_LISTEN_CHECK`). */
  readonly listenCheckMs?: number;
  /** How long a pooled connection's statement may wait for its answer (`SWITCHBOARD_DATABASE_TIMEOUT`). */
  readonly databaseTimeoutMs?: number | undefined;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<DatabaseHandle> {
  // Loaded only here: the driver adds about 15 MB to the memory of a server on SQLite.
  const { default: pg } = await import('pg');
  // int8 (bigint, count(*)) arrives as a string by default; every bigint here is an epoch-ms
  // date or a row number, far below 2^53, so a JavaScript number is exact.
  pg.types.setTypeParser(20, (value) => Number(value));
  // TCP keepalive from 10 s idle: an idle pooled connection whose server went silent fails
  // after Linux's default probes (about 11 minutes), not after two idle hours. Pipelined: the
  // statements asked of one connection before the first is answered are sent at once and
  // answered in order, one round trip (a transaction's `begin` with its first write, a claim).
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    pipeline: true,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle pooled connection that the server closes (restart, failover) emits 'error' on the
  // pool; without a handler that would crash the process. The next query reconnects.
  pool.on('error', () => undefined);
  prepareStatementsByName(pool, { answerMs: options.databaseTimeoutMs });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // The server processes of the pool's connections: a notification names the one that sent it.
  const ownBackends = new Set<number>();
  const backendOf = (client: pg.Client) => (client as unknown as { processID: number | null }).processID;
  pool.on('connect', (client) => ownBackends.add(backendOf(client) ?? -1));
  pool.on('remove', (client) => ownBackends.delete(backendOf(client) ?? -1));
  const listening = new Set<{ close(): Promise<void> }>();
  const lostListens = new Map<string, number>();
  const listenParts = {
    Client: pg.Client,
    url,
    checkMs: options.listenCheckMs ?? defaultListenCheckMs,
    ownBackends,
    open: listening,
    lost: lostListens,
  };
  const tail = new TransactionTail({ share: true });
  const notifier: Notifier = {
    notify: (tx, channel, payload = '') => tail.notify(tx, channel, payload),
    listen: (channel, onNotice, onLost, listenOptions = {}) =>
      listenOnPostgres(listenParts, channel, onNotice, onLost, listenOptions),
    lostListens,
  };
  return {
    db,
    capabilities: {
      dialect: 'postgres',
      multiProcess: true,
      skipLocked: true,
      groupCommit: false,
      deliveryThread: false,
      sharedReads: true,
      sharedRateLimits: true,
    },
    notifier,
    tail,
    writeTurns: undefined,
    // Unbounded by the pool's answer deadline: a migration may rightly take minutes, or wait
    // that long for another node's (its advisory lock).
    migrate: async () => {
      const migrationPool = new pg.Pool({ connectionString: url, max: 1 });
      // As the main pool's: a connection closed while idle must not crash the process.
      migrationPool.on('error', () => undefined);
      const own = new Kysely<Database>({ dialect: new PostgresDialect({ pool: migrationPool }) });
      try {
        return await migrateToLatest(own);
      } finally {
        await own.destroy();
      }
    },
    close: async () => {
      for (const listener of [...listening]) await listener.close();
      await db.destroy();
    },
  };
}

export async function openDatabase(
  url: string,
  options: SqliteOptions & PostgresOptions = {},
): Promise<DatabaseHandle> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options);
  return openPostgres(url, options);
}

/**
 * Applies pending migrations; throws (so the process exits non-zero) if any fails. On
 * PostgreSQL, Kysely's migrator holds an advisory lock (`pg_advisory_lock`) while it
 * works, so several nodes can boot at once and only one migrates.
 */
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
