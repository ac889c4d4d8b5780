import type { Kysely } from 'kysely';
import type { DbCapabilities } from '../../../db/database.js';
import type { Database } from '../../../db/schema.js';
import type { TransactionTail } from '../../../db/transaction-tail.js';
import type { ChannelRegistry } from '../delivery-channel.js';
import type { IntegrationHealthStore } from '../integration-health-store.js';
import { channelLimits, type SendThrottle } from '../send-throttle.js';
import { DatabaseSendThrottle } from './database-send-throttle.js';
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

/**
 * The chat throttles, kept in the database on both engines: shared by the worker processes that
 * may send to one room on PostgreSQL, and kept across a restart on either (a room that heard its
 * 30 messages just before a restart does not hear 30 more after it).
 */
export function sendThrottleFor(db: Kysely<Database>, channels: ChannelRegistry): SendThrottle {
  return new DatabaseSendThrottle(db, channelLimits(channels));
}
