import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { RetentionPruner, type RetentionPrunerOptions } from '../../shared/retention-pruner.js';
import type { DeliveryQueue } from './queue/delivery-queue.js';

export interface DeliveryRetentionOptions extends Omit<RetentionPrunerOptions<undefined>, 'what' | 'prune'> {
  readonly db: Kysely<Database>;
  readonly queue: Pick<DeliveryQueue, 'prune'>;
}

/**
 * Deletes finished deliveries (delivered, dead, dropped) and their attempts once they finished
 * more than `SWITCHBOARD_DELIVERY_RETENTION_DAYS` ago, so the outbox keeps the queue and a recent
 * delivery log, not every notification ever sent. Pending rows are never touched; a dead
 * delivery can be re-sent until it is past retention. Each batch deletes the oldest finished
 * rows, so a batch that was not full ends the pass.
 */
export class DeliveryRetention extends RetentionPruner {
  constructor({ db, queue, ...options }: DeliveryRetentionOptions) {
    super({
      ...options,
      what: 'deliveries',
      prune: async (before, limit) => {
        const deleted = await queue.prune(db, before, limit);
        return { deleted, more: deleted === limit };
      },
    });
  }
}
