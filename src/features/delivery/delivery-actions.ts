import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { NotFoundError } from '../../errors/app-errors.js';
import type { Clock } from '../../shared/ids.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChannelTarget } from './delivery-channel.js';
import type { OutboxStore } from './outbox-store.js';

/** Sends one message to an integration now, outside the queue (the Test button). */
export interface TestSender {
  sendTest(target: ChannelTarget, actor: Actor): Promise<TestOutcome>;
}

export interface TestOutcome {
  readonly ok: boolean;
  readonly statusCode?: number | undefined;
  readonly latencyMs: number;
  readonly responseBody?: string | undefined;
  readonly error?: string | undefined;
}

/**
 * What every kind of integration (chat rooms and webhooks alike) offers beside its settings:
 * a test message now, and a re-send of a delivery that gave up or was dropped. The services
 * check that the integration exists and is theirs first.
 */
export class DeliveryActions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly outbox: OutboxStore,
    private readonly sender: TestSender,
    private readonly clock: Clock,
  ) {}

  /**
   * Sends a test message and counts its outcome in the integration's health, so a wrong token
   * shows in `_status` at once; a failed test alone never marks the integration errored.
   */
  async test(target: ChannelTarget, actor: Actor): Promise<TestOutcome> {
    const outcome = await this.sender.sendTest(target, actor);
    await this.outbox.recordHealth(this.db, target.id, {
      success: outcome.ok,
      at: this.clock(),
      statusCode: outcome.statusCode,
      responseBody: outcome.responseBody ?? outcome.error,
      failureThreshold: Number.POSITIVE_INFINITY,
      failureWindowMs: 0,
    });
    return outcome;
  }

  /**
   * Makes a dead or dropped delivery pending again with a fresh attempt budget; `owner` names
   * the integration in the error when there is no such delivery.
   */
  async resend(integrationId: string, deliveryId: number, owner: string): Promise<void> {
    const queued = await this.outbox.requeue(this.db, integrationId, deliveryId, this.clock());
    if (!queued) throw new NotFoundError(`No dead or dropped delivery ${deliveryId} for ${owner}`);
  }
}
