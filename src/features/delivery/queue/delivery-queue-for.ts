import type { DbCapabilities } from '../../../db/database.js';
import type { TransactionTail } from '../../../db/transaction-tail.js';
import type { IntegrationHealthStore } from '../integration-health-store.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { PostgresDeliveryQueue } from './postgres-delivery-queue.js';
import { SqliteDeliveryQueue } from './sqlite-delivery-queue.js';

/** The queue for this database, chosen once at start-up. */
export function deliveryQueueFor(
  capabilities: DbCapabilities,
  health: IntegrationHealthStore,
  tail?: TransactionTail,
): DeliveryQueue {
  return capabilities.dialect === 'postgres'
    ? new PostgresDeliveryQueue(health, tail)
    : new SqliteDeliveryQueue(health);
}
