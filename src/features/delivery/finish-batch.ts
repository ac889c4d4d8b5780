import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { DeliveryQueue, FinishedSend } from './queue/delivery-queue.js';

interface Waiting {
  readonly send: FinishedSend;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects the sends that finish in one turn of the event loop and commits them together
 * (`DeliveryQueue.finishMany`): a busy worker commits once per round instead of once per send.
 */
export class FinishBatch {
  private waiting: Waiting[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly queue: Pick<DeliveryQueue, 'finishMany'>,
  ) {}

  /** Queues a finished send for the next batched commit and resolves once it is committed. */
  finish(send: FinishedSend): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ send, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
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
