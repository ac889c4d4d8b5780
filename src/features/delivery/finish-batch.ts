import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { DeliveryQueue, FinishedSend } from './queue/delivery-queue.js';

interface Waiting {
  readonly send: FinishedSend;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Commits finished sends together (`DeliveryQueue.finishMany`), one commit at a time: the sends
 * that finish while a commit is running wait for the next one, which starts as soon as it ends
 * (group commit). An idle worker commits a send at once; a busy lane, whose sends come back
 * faster than a commit's round trip on PostgreSQL, commits several per statement instead of one
 * statement per send (bench/README.md, "Issue 19, third round"). Sends do not wait for their
 * records (`unrecordedWindow`), so this holds up no send.
 */
export class FinishBatch {
  private waiting: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly queue: Pick<DeliveryQueue, 'finishMany'>,
  ) {}

  /** Queues a finished send for the next batched commit and resolves once it is committed. */
  finish(send: FinishedSend): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ send, resolve, reject });
      if (this.waiting.length === 1 && !this.flushing) setImmediate(() => void this.flush());
    });
  }

  /** Commits what is waiting, then what came meanwhile, until nothing waits. */
  private async flush(): Promise<void> {
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
