import type { Executor } from '../../db/schema.js';
import type { IntegrationStatus } from './integration-model.js';

/**
 * What the integration service needs of the delivery queue: drop an integration's deliveries
 * when it is deleted, and count those still waiting for `_status.pending`. The queue store
 * (delivery/) implements it; the composition root passes it in.
 */
export interface IntegrationQueue {
  forget(db: Executor, integrationId: string): Promise<unknown>;
  pendingCount(db: Executor, integrationId: string): Promise<number>;
}

/** An integration's (or webhook's) health as the API shows it in `_status`. */
export async function integrationStatus(
  db: Executor,
  queue: IntegrationQueue,
  id: string,
): Promise<IntegrationStatus> {
  const row = await db
    .selectFrom('integration_status')
    .selectAll()
    .where('integration_id', '=', id)
    .executeTakeFirst();
  const pending = await queue.pendingCount(db, id);
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
