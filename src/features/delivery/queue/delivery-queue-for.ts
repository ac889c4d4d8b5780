import type { Kysely } from 'kysely';
import type { DbCapabilities } from '../../../db/database.js';
import type { Database } from '../../../db/schema.js';
import type { TransactionTail } from '../../../db/transaction-tail.js';
import type { ChannelRegistry } from '../delivery-channel.js';
import type { IntegrationHealthStore } from '../integration-health-store.js';
import { channelLimits, MemorySendThrottle, type SendThrottle } from '../send-throttle.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { PostgresDeliveryQueue } from './postgres-delivery-queue.js';
import { PostgresSendThrottle } from './postgres-send-throttle.js';
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

/**
 * The chat throttles for this database: shared through it on PostgreSQL, where several worker
 * processes may send to one room; in memory on SQLite, whose one process is the only sender.
 */
export function sendThrottleFor(
  capabilities: DbCapabilities,
  db: Kysely<Database>,
  channels: ChannelRegistry,
): SendThrottle {
  const limits = channelLimits(channels);
  return capabilities.dialect === 'postgres'
    ? new PostgresSendThrottle(db, limits)
    : new MemorySendThrottle(limits);
}
