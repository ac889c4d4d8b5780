import type SqliteDatabase from 'better-sqlite3';
import {
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/** How long a connection waits for another one's write to end, as `busy_timeout` (ms). */
export const sqliteBusyTimeoutMs = 5_000;

/** The pauses between tries of a busy `begin immediate`: at once, then growing to 4 ms. */
const pausesMs = [0, 0, 1, 1, 2, 4];

/**
 * Every SQLite transaction begins `immediate`: it takes the write lock at `begin`, not at its
 * first write. With one connection that changes nothing. With two (the delivery thread's, or a
 * second process on the file), a deferred transaction that read before another connection
 * committed could not write any more (`SQLITE_BUSY_SNAPSHOT`, which no busy timeout waits out),
 * and the use case would fail.
 *
 * While the other connection holds the lock, `begin` is tried again without blocking the event
 * loop (the busy timeout would sleep inside SQLite, stopping every request and send of the
 * thread): `busy_timeout` is 0 for the try and is put back after. Past the busy timeout it waits
 * the blocking way once more, and then fails as before.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly sqlite: SqliteDatabase.Database,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config, this.sqlite);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  private readonly tryBegin: () => boolean;
  private readonly begin: () => void;

  constructor(config: SqliteDialectConfig, sqlite: SqliteDatabase.Database) {
    super(config);
    const begin = sqlite.prepare('begin immediate');
    this.begin = () => begin.run();
    // A pragma takes effect when it is prepared, so each try prepares it again (microseconds).
    this.tryBegin = () => {
      sqlite.pragma('busy_timeout = 0');
      try {
        begin.run();
        return true;
      } catch (error) {
        if (isBusy(error)) return false;
        throw error;
      } finally {
        sqlite.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
      }
    };
  }

  override async beginTransaction(_connection: DatabaseConnection): Promise<void> {
    const deadline = Date.now() + sqliteBusyTimeoutMs;
    for (let attempt = 0; !this.tryBegin(); attempt++) {
      if (Date.now() >= deadline) {
        this.begin();
        return;
      }
      await pause(pausesMs[Math.min(attempt, pausesMs.length - 1)] as number);
    }
  }
}

function isBusy(error: unknown): boolean {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => (ms === 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));
}
