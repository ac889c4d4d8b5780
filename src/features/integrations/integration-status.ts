import type { Executor } from '../../db/schema.js';
import type { IntegrationStatus } from './integration-model.js';

/**
 * What the integration service needs of the delivery queue: drop an integration's deliveries
 * when it is deleted. The queue store (delivery/queue/) implements it; the composition root
 * passes it in.
 */
export interface IntegrationQueue {
  forget(db: Executor, integrationId: string): Promise<unknown>;
}

/** An integration's health as the API shows it in `_status` (delivery's IntegrationHealthView). */
export interface IntegrationHealthReader {
  statusOf(db: Executor, integrationId: string): Promise<IntegrationStatus>;
}
