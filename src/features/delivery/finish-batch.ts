import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { DeliveryQueue, FinishedSend } from './queue/delivery-queue.js';

interface Waiting {
  readonly send: FinishedSend;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** How long a finished send waits for others to share its commit (unless `gatherCount` wait). */
export const finishGatherMs = 1;

/**
 * Commits finished sends together (`DeliveryQueue.finishMany`), one commit at a time: a send's
 * record waits `finishGatherMs` (or for `gatherCount` records) to share a commit, and the
 * sends that finish while a commit is running wait for the next one, which starts as soon as it
 * ends (group commit). A busy lane commits several records per statement instead of one per
 * send: on PostgreSQL a round trip each, on SQLite each commit's pages written to the WAL and a
 * turn at the write lock taken from the API (bench/README.md, "Issue 19, third round" and
 * "fourth round"). Sends do not wait for their records (`unrecordedWindow`), so this holds up no
 * send; the delivery itself is not later, only its record.
 */
export class FinishBatch {
  private waiting: Waiting[] = [];
  private flushing = false;
  private gathering: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly queue: Pick<DeliveryQueue, 'finishMany'>,
    /** Half the worker's `unrecordedWindow`: a lane never waits on a record that is gathering. */
    private readonly gatherCount: number,
  ) {}

  /** Queues a finished send for the next batched commit and resolves once it is committed. */
  finish(send: FinishedSend): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ send, resolve, reject });
      if (this.flushing) return;
      if (this.waiting.length === 1) this.gathering = setTimeout(() => void this.flush(), finishGatherMs);
      if (this.waiting.length >= this.gatherCount) void this.flush();
    });
  }

  /** Commits what is waiting, then what came meanwhile, until nothing waits. */
  private async flush(): Promise<void> {
    clearTimeout(this.gathering);
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: readonly Waiting[]): Promise<void> {
    try {
      const results = await this.queue.finishMany(
        this.db,
        batch.map((b) => b.send),
      );
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') batch[i]?.resolve();
        else batch[i]?.reject(r.reason);
      });
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}
