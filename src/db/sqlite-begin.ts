import { threadId } from 'node:worker_threads';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/** How long a connection waits for another one's write to end, as `busy_timeout` (ms). */
export const sqliteBusyTimeoutMs = 5_000;

/** The longest wait for the write turn between looks (a lost wake-up costs at most this). */
const retryCapMs = 4;
/** How long a connection leaves the write turn to another that waits for it, before taking it. */
const courtesyMs = 2;

/** Node 20 has it; TypeScript's ES2023 library does not declare it yet (ES2024 does). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      cells: Int32Array,
      index: number,
      value: number,
      ms: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync.bind(Atomics);

const waitingCell = 0;
const releasesCell = 1;
const holderCell = 2;

/**
 * The write turn of the connections of one process to one SQLite file (the API's and the
 * delivery thread's), in memory they share: a lock taken before `begin immediate` and given back
 * at commit or rollback. A connection waits for it without blocking its thread
 * (`Atomics.waitAsync`) and is woken by the release itself, where SQLite's busy timeout would
 * sleep inside the call, stopping every request and send of the thread, and find the lock free
 * only by chance. A connection that releases and begins again at once leaves the next turn to
 * one that waits: without that, the API's back-to-back group commits starved the delivery
 * thread's records.
 */
export class WriteTurns {
  private readonly cells: Int32Array;
  /** Who this connection is in the holder cell: its thread's id, plus one (0 is "nobody"). */
  private readonly me = threadId + 1;
  /** This connection holds the turn (a failed commit is followed by a rollback: one release). */
  private holding = false;

  /** `shared`: the turns of the process's first connection, to take part in them. */
  constructor(readonly shared = new SharedArrayBuffer(12)) {
    this.cells = new Int32Array(shared);
  }

  /**
   * Waits for the turn. Past the busy timeout it goes on without it: SQLite's own lock still
   * keeps writes apart, the turn only orders who tries when.
   */
  async take(): Promise<void> {
    const { cells } = this;
    // Someone waits: their turn first (until their release, or a moment).
    if (Atomics.load(cells, waitingCell) > 0)
      await this.released(Atomics.load(cells, releasesCell), courtesyMs);
    const deadline = Date.now() + sqliteBusyTimeoutMs;
    let waiting = false;
    try {
      for (;;) {
        const seen = Atomics.load(cells, releasesCell);
        if (Atomics.compareExchange(cells, holderCell, 0, this.me) === 0) {
          this.holding = true;
          return;
        }
        if (Date.now() >= deadline) return;
        if (!waiting) Atomics.add(cells, waitingCell, 1);
        waiting = true;
        await this.released(seen, retryCapMs);
      }
    } finally {
      if (waiting) Atomics.sub(cells, waitingCell, 1);
    }
  }

  /** Whether this connection holds the turn now. */
  get held(): boolean {
    return this.holding;
  }

  give(): void {
    if (!this.holding) return;
    this.holding = false;
    this.free(this.me);
  }

  /** A thread that ended (a crash) gives back the turn it held, if it held one. */
  forsake(endedThreadId: number): void {
    this.free(endedThreadId + 1);
  }

  private free(holder: number): void {
    if (Atomics.compareExchange(this.cells, holderCell, holder, 0) !== holder) return;
    Atomics.add(this.cells, releasesCell, 1);
    Atomics.notify(this.cells, releasesCell);
  }

  /** At the first release after `seen` (at once if there was one), or after `ms`. */
  private async released(seen: number, ms: number): Promise<void> {
    const result = waitAsync(this.cells, releasesCell, seen, ms);
    if (result.async) await result.value;
  }
}

/** What the turn needs to know of the connection it orders. */
export interface SqliteWrites {
  /** Whether a statement's text changes the database (better-sqlite3's `readonly`, negated). */
  writes(sql: string): boolean;
  /** True while a transaction is open on the connection. */
  readonly inTransaction: boolean;
}

/**
 * Every SQLite transaction begins `immediate`: it takes the write lock at `begin`, not at its
 * first write. With one connection that changes nothing. With two (the delivery thread's, or a
 * second process on the file), a deferred transaction that read before another connection
 * committed could not write any more (`SQLITE_BUSY_SNAPSHOT`, which no busy timeout waits out),
 * and the use case would fail. Within the process, the connections take turns (`WriteTurns`)
 * before `begin`, and before a write outside any transaction (a pruner's delete, a session's
 * insert), so SQLite's busy timeout only ever waits for another process.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly turns: WriteTurns,
    private readonly writes: SqliteWrites,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config, this.turns, this.writes);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  private connection: TurnTakingConnection | undefined;

  constructor(
    config: SqliteDialectConfig,
    private readonly turns: WriteTurns,
    private readonly writes: SqliteWrites,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    this.connection ??= new TurnTakingConnection(connection, this.turns, this.writes);
    return this.connection;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.turns.take();
    try {
      // As it is: past the busy timeout the turn is not held, and `begin immediate` counts as a write.
      const inner = connection instanceof TurnTakingConnection ? connection.inner : connection;
      await inner.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (error) {
      this.turns.give();
      throw error;
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await super.commitTransaction(connection);
    this.turns.give();
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      this.turns.give();
    }
  }
}

/**
 * Kysely's one SQLite connection, with a write outside any transaction run in a turn of its own
 * (SQLite's autocommit): without it, a write that met the other connection's lock slept in
 * SQLite's busy timeout, stopping its thread (the API's requests, the delivery thread's sends).
 * Reads and a transaction's statements run as they are.
 */
class TurnTakingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly turns: WriteTurns,
    private readonly writes: SqliteWrites,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.turns.held || this.writes.inTransaction || !this.writes.writes(compiled.sql))
      return this.inner.executeQuery(compiled);
    await this.turns.take();
    try {
      return await this.inner.executeQuery(compiled);
    } finally {
      this.turns.give();
    }
  }

  streamQuery<R>(compiled: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery(compiled, chunkSize);
  }
}
