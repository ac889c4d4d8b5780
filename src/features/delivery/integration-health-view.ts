import type { Executor } from '../../db/schema.js';
import type { IntegrationStatus } from '../integrations/integration-model.js';
import type { DeliveryQueue } from './queue/delivery-queue.js';

/**
 * An integration's (or webhook's) health as the API shows it in `_status`: a read model over
 * `integration_status` and the integration's queue, separate from the stores that write them.
 */
export class IntegrationHealthView {
  constructor(private readonly queue: Pick<DeliveryQueue, 'pendingCount'>) {}

  async statusOf(db: Executor, integrationId: string): Promise<IntegrationStatus> {
    const row = await db
      .selectFrom('integration_status')
      .selectAll()
      .where('integration_id', '=', integrationId)
      .executeTakeFirst();
    const pending = await this.queue.pendingCount(db, integrationId);
    if (row === undefined) return { successCount: 0, errorCount: 0, errors: [], pending };
    return {
      successCount: Number(row.success_count),
      errorCount: Number(row.error_count),
      ...(row.last_success === null ? {} : { lastSuccess: Number(row.last_success) }),
      ...(row.last_error === null ? {} : { lastError: Number(row.last_error) }),
      errors: JSON.parse(row.recent_errors) as IntegrationStatus['errors'],
      ...(row.errored_reason === null
        ? {}
        : {
            errored: { reason: row.errored_reason, since: Number(row.failing_since ?? row.last_error ?? 0) },
          }),
      pending,
    };
  }
}
