import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from './ids.js';

const dayMs = 24 * 60 * 60 * 1000;

/** What one batch did: rows deleted, whether the pass goes on, and where its next batch starts. */
export interface PrunedBatch<Cursor> {
  readonly deleted: number;
  readonly more: boolean;
  readonly next?: Cursor;
}

export interface RetentionPrunerOptions<Cursor> {
  /** What is pruned, for the log ("old deliveries pruned"). */
  readonly what: string;
  /**
   * One batch: deletes at most `limit` rows older than `before`, from `after` on (undefined at
   * a pass's start), with short writes of its own, not one long transaction.
   */
  readonly prune: (before: number, limit: number, after: Cursor | undefined) => Promise<PrunedBatch<Cursor>>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Rows older than this many days go; 0 keeps them all (no pruner runs). */
  readonly days: number;
  /** Rows deleted per batch at most. */
  readonly batch?: number;
  /** The pause between two batches, so the pruner never holds SQLite's one writer for long. */
  readonly pauseMs?: number;
  /** Time between two passes over the table. */
  readonly everyMs?: number;
  /** Rows deleted by a batch, and the time each pass ended (for /metrics). */
  readonly onPruned?: (count: number) => void;
  readonly onPass?: (at: number) => void;
}

/**
 * Deletes rows past their retention off the hot path: a pass every few minutes, in batches of a
 * few hundred rows with a pause between them (a 500-row batch takes a few milliseconds of
 * SQLite's writer; the changes waiting behind it wait no longer than that). On PostgreSQL each
 * process that delivers runs its own: two passes at once only delete each row once.
 */
export class RetentionPruner<Cursor = undefined> {
  private readonly batch: number;
  private readonly pauseMs: number;
  private readonly everyMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly options: RetentionPrunerOptions<Cursor>) {
    this.batch = options.batch ?? 500;
    this.pauseMs = options.pauseMs ?? 20;
    this.everyMs = options.everyMs ?? 10 * 60 * 1000;
  }

  /** The first pass a little after start-up (not in its way), then one every `everyMs`. */
  start(firstAfterMs = 30_000): void {
    if (this.options.days <= 0) return;
    this.schedule(firstAfterMs);
  }

  /** Waits for a pass in progress to reach the end of its batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass: batches until nothing older than the retention is left; how many rows went. */
  pruneNow(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(afterMs: number): void {
    this.timer = setTimeout(() => {
      this.pruneNow()
        .catch((error: unknown) =>
          this.options.log.warn(
            { err: error },
            `pruning old ${this.options.what} failed; trying again at the next pass`,
          ),
        )
        .finally(() => {
          if (!this.stopped) this.schedule(this.everyMs);
        });
    }, afterMs);
    this.timer.unref();
  }

  private async pass(): Promise<number> {
    const { prune, clock, days } = this.options;
    if (days <= 0) return 0;
    // Fixed for the pass: rows that age meanwhile wait for the next one.
    const before = clock() - days * dayMs;
    let total = 0;
    let after: Cursor | undefined;
    while (!this.stopped) {
      const { deleted, more, next } = await prune(before, this.batch, after);
      total += deleted;
      if (deleted > 0) this.options.onPruned?.(deleted);
      if (!more) break;
      after = next;
      await sleep(this.pauseMs);
    }
    this.options.onPass?.(clock());
    if (total > 0) this.options.log.info({ pruned: total, days }, `old ${this.options.what} pruned`);
    return total;
  }
}
