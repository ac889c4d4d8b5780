import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { StaleRead, type TransactionTail } from '../../db/transaction-tail.js';
import { ChangedMeanwhileError } from '../../errors/app-errors.js';
import { type Clock, newId } from '../../shared/ids.js';
import { buildAuditRecord, type ChangeDescription } from './audit-builder.js';
import type { AuditRecord } from './audit-model.js';
import type { AuditStore } from './audit-store.js';

export type ChangeInput = Omit<ChangeDescription, 'id' | 'date'> & {
  /**
   * The changed resource's tags after the change, when they change: its `updateTags` accesses
   * are authorized against the resource with these too (LaunchDarkly checks both), while every
   * access is authorized, and recorded, with the tags the resource had before.
   */
  readonly newTags?: readonly string[] | undefined;
};

/** Records one change inside the use case's transaction. */
export type RecordChange = (change: ChangeInput) => Promise<AuditRecord>;

/**
 * Runs in the change's transaction after its audit entry is written. The delivery outbox
 * plugs in here, so a change, its entry and its delivery rows commit together or not at all.
 * An effect handed to `afterCommit` runs once that change has committed, and never when it
 * rolls back (with group commit: when its use case rolls back to its savepoint while the others
 * commit): the SDK change feed publishes from there, so no SDK sees a change that did not happen.
 */
export type FanOut = (
  tx: Transaction<Database>,
  record: AuditRecord,
  afterCommit: (effect: AfterCommit) => void,
) => Promise<void>;
export type AfterCommit = () => void;

/** What one use case (or one whole transaction) recorded: a count, and what runs after commit. */
interface Recorded {
  count: number;
  readonly after: AfterCommit[];
}

const nothingRecorded = (): Recorded => ({ count: 0, after: [] });

export interface ChangeLogOptions {
  readonly db: Kysely<Database>;
  readonly audit: AuditStore;
  /** Where the UI is, for the links in audit entries (read at each change). */
  readonly baseUrl: () => string;
  readonly clock: Clock;
  /** SQLite: the use cases of one turn of the event loop commit together (see ChangeLog). */
  readonly groupCommit?: boolean;
  /**
   * PostgreSQL: what the fan-outs write without reading back (delivery rows, NOTIFYs) is held
   * and sent in one statement at the end of each use case (see db/transaction-tail.ts).
   */
  readonly tail?: TransactionTail | undefined;
  /**
   * Refuses a change its actor may not make, before it is written (see access/authorize.ts and
   * RequestAuthorization.admitChange, which also notes that the request changed something).
   */
  readonly authorize: (change: ChangeInput) => void;
}

/** One use case waiting for its turn in a group commit. */
interface QueuedWork {
  readonly work: (tx: Transaction<Database>, record: RecordChange) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** The most use cases one group commit takes; the rest wait for the next. */
const maxGroup = 64;

/** How often a change is run after a held check found a cache out of date (`StaleRead`). */
const staleReadAttempts = 3;
/**
 * How often a change is run after its compare-and-set lost to another change's commit
 * (`ChangedMeanwhileError`). Concurrent changes to one document (PostgreSQL: separate
 * transactions) read the same version and only one write can win each round; the rest run again
 * on what it wrote, as they would have had they come a moment later, which on SQLite they do (group
 * commit runs them one after another). Eight at once need up to eight rounds.
 */
const changedMeanwhileAttempts = 10;

/** Whether a change that failed at `attempt` without writing anything is run again. */
function runAgain(error: unknown, attempt: number): boolean {
  if (error instanceof StaleRead) return attempt < staleReadAttempts;
  if (error instanceof ChangedMeanwhileError) return attempt < changedMeanwhileAttempts;
  return false;
}

/**
 * The unit of work of every mutating use case: one transaction that writes the resource and
 * appends its audit entries, then tells listeners (the delivery worker) after the commit.
 *
 * With `groupCommit` (SQLite: one connection, one writer), the use cases that arrive in the same
 * turn of the event loop run one after another in one transaction, each inside a savepoint, and
 * commit together. Each still sees the writes of those before it, exactly as if they had run one
 * by one; a use case that fails rolls back to its savepoint and takes nothing else with it; a
 * failed commit fails them all. Nobody is answered before the commit. A toggle writes about a
 * dozen pages to the WAL, most of them shared with the next toggle (index leaves, the outbox,
 * the database header), so committing several at once writes a fraction of the pages each.
 */
export class ChangeLog {
  private readonly fanOuts: FanOut[] = [];
  private readonly committedListeners: (() => void)[] = [];
  private readonly queue: QueuedWork[] = [];
  private draining = false;
  private readonly db: Kysely<Database>;
  private readonly audit: AuditStore;
  private readonly baseUrl: () => string;
  private readonly clock: Clock;
  private readonly groupCommit: boolean;
  private readonly tail: TransactionTail | undefined;
  private readonly authorize: (change: ChangeInput) => void;

  constructor(options: ChangeLogOptions) {
    this.db = options.db;
    this.audit = options.audit;
    this.baseUrl = options.baseUrl;
    this.clock = options.clock;
    this.groupCommit = options.groupCommit ?? false;
    this.tail = options.tail;
    this.authorize = options.authorize;
  }

  addFanOut(fanOut: FanOut): void {
    this.fanOuts.push(fanOut);
  }

  onCommitted(listener: () => void): void {
    this.committedListeners.push(listener);
  }

  now(): number {
    return this.clock();
  }

  async transact<T>(work: (tx: Transaction<Database>, record: RecordChange) => Promise<T>): Promise<T> {
    if (!this.groupCommit) {
      for (let attempt = 1; ; attempt++) {
        const recorded = nothingRecorded();
        try {
          const result = await this.db
            .transaction()
            .execute((tx) => this.unit(tx, () => work(tx, this.recorder(tx, recorded))));
          if (recorded.count > 0) this.committed(recorded.after);
          return result;
        } catch (error) {
          // Nothing was written (a stale cache has been dropped): once more, on what is there now.
          if (!runAgain(error, attempt)) throw error;
        }
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.draining) return;
      this.draining = true;
      // After the I/O callbacks of this turn, so the requests that arrived with this one join it.
      setImmediate(() => void this.drain());
    });
  }

  /** Group commits until the queue is empty; one runs at a time. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.commitGroup(this.queue.splice(0, maxGroup));
    } finally {
      this.draining = false;
    }
  }

  private async commitGroup(group: readonly QueuedWork[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const recorded = nothingRecorded();
    try {
      await this.db.transaction().execute(async (tx) => {
        const only = group.length === 1;
        for (const { work } of group) {
          if (only) {
            outcomes.push({
              ok: true,
              value: await this.unit(tx, () => work(tx, this.recorder(tx, recorded))),
            });
            continue;
          }
          // Kept apart until the savepoint is released: a use case rolled back to it leaves
          // neither a count nor an after-commit effect behind.
          const here = nothingRecorded();
          await sql`savepoint unit`.execute(tx);
          try {
            const value = await this.unit(tx, () => work(tx, this.recorder(tx, here)));
            await sql`release unit`.execute(tx);
            recorded.count += here.count;
            recorded.after.push(...here.after);
            outcomes.push({ ok: true, value });
          } catch (error) {
            outcomes.push({ ok: false, error });
            // Undoes this use case only. If SQLite itself rolled the whole transaction back
            // (a full disk, an I/O error), there is no savepoint left: this throws, and the
            // group fails as one below rather than running the rest outside a transaction.
            await sql`rollback to unit`.execute(tx);
            await sql`release unit`.execute(tx);
          }
        }
      });
    } catch (error) {
      // Nothing of the group was committed: the ones that had failed on their own keep their
      // own error, every other one (and any not reached) gets the commit's.
      group.forEach((queued, i) => {
        const outcome = outcomes[i];
        queued.reject(outcome !== undefined && !outcome.ok ? outcome.error : error);
      });
      return;
    }
    if (recorded.count > 0) this.committed(recorded.after);
    group.forEach((queued, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) queued.resolve(outcome.value);
      else queued.reject(outcome?.error);
    });
  }

  /** One use case in `tx`, with what its fan-outs held back sent before it ends. */
  private async unit<T>(tx: Transaction<Database>, work: () => Promise<T>): Promise<T> {
    if (this.tail === undefined) return work();
    this.tail.open(tx);
    try {
      const value = await work();
      await this.tail.flush(tx);
      return value;
    } finally {
      this.tail.discard(tx);
    }
  }

  /** Records changes in `tx`: the audit entry, then every fan-out, in the same transaction. */
  private recorder(tx: Transaction<Database>, recorded: Recorded): RecordChange {
    return async (change) => {
      // A refusal rolls the whole change back.
      this.authorize(change);
      const { newTags: _, ...description } = change;
      const audit = buildAuditRecord({ ...description, id: newId(), date: this.clock() }, this.baseUrl());
      await this.audit.append(tx, audit);
      const afterCommit = (effect: AfterCommit) => {
        recorded.after.push(effect);
      };
      for (const fanOut of this.fanOuts) await fanOut(tx, audit, afterCommit);
      recorded.count++;
      return audit;
    };
  }

  private committed(after: readonly AfterCommit[]): void {
    for (const effect of after) effect();
    for (const listener of this.committedListeners) listener();
  }
}
