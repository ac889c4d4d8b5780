import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../shared/ids.js';
import type { DeliveryQueue } from './queue/delivery-queue.js';

const dayMs = 24 * 60 * 60 * 1000;

export interface DeliveryRetentionOptions {
  readonly db: Kysely<Database>;
  readonly queue: Pick<DeliveryQueue, 'prune'>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Finished deliveries older than this many days go; 0 keeps them all (no pruner runs). */
  readonly days: number;
  /** Rows deleted per statement (each its own transaction). */
  readonly batch?: number;
  /** The pause between two batches, so the pruner never holds SQLite's one writer for long. */
  readonly pauseMs?: number;
  /** Time between two passes over the table. */
  readonly everyMs?: number;
  /** Deliveries deleted by a batch, and the time each pass ended (for /metrics). */
  readonly onPruned?: (count: number) => void;
  readonly onPass?: (at: number) => void;
}

/**
 * Deletes finished deliveries (delivered, dead, dropped) and their attempts once they are older
 * than `SWITCHBOARD_DELIVERY_RETENTION_DAYS`, so the outbox keeps the queue and a recent delivery
 * log, not every notification ever sent. Off the hot path: a pass every few minutes, in batches
 * of a few hundred rows with a pause between them (a 500-row batch with its attempts takes a few
 * milliseconds of SQLite's writer; the toggles waiting behind it wait no longer than that). Pending
 * rows are never touched; a dead delivery can be re-sent until it is past retention. On
 * PostgreSQL each worker process runs it: two passes at once only delete each row once.
 */
export class DeliveryRetention {
  private readonly batch: number;
  private readonly pauseMs: number;
  private readonly everyMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly options: DeliveryRetentionOptions) {
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
            'pruning old deliveries failed; trying again at the next pass',
          ),
        )
        .finally(() => {
          if (!this.stopped) this.schedule(this.everyMs);
        });
    }, afterMs);
    this.timer.unref();
  }

  private async pass(): Promise<number> {
    const { db, queue, clock, days } = this.options;
    if (days <= 0) return 0;
    // Fixed for the pass: rows finishing meanwhile wait for the next one.
    const before = clock() - days * dayMs;
    let total = 0;
    while (!this.stopped) {
      const pruned = await queue.prune(db, before, this.batch);
      total += pruned;
      if (pruned > 0) this.options.onPruned?.(pruned);
      if (pruned < this.batch) break;
      await sleep(this.pauseMs);
    }
    this.options.onPass?.(clock());
    if (total > 0) this.options.log.info({ pruned: total, days }, 'old deliveries pruned');
    return total;
  }
}
