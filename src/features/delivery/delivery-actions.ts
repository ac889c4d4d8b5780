import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { NotFoundError } from '../../errors/app-errors.js';
import type { Clock } from '../../shared/ids.js';
import { actorName } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChannelTarget } from './delivery-channel.js';
import type { IntegrationHealthStore } from './integration-health-store.js';
import type { DeliveryQueue } from './queue/delivery-queue.js';

/**
 * Tells the delivery workers that an integration's queue changed outside a change (a re-send
 * queued, a waiting head made due): `DeliveryFanOut.wake`.
 */
export type Wake = (integrationId: string) => Promise<void>;

/** Sends one message to an integration now, outside the queue (the Test button). */
export interface TestSender {
  sendTest(target: ChannelTarget, actor: Actor): Promise<TestOutcome>;
}

export interface DeliveryActionsOptions {
  readonly db: Kysely<Database>;
  readonly queue: Pick<DeliveryQueue, 'requeue' | 'retryHeadNow'>;
  readonly health: Pick<IntegrationHealthStore, 'record' | 'recordTest'>;
  readonly sender: TestSender;
  readonly clock: Clock;
  /** Tells this process's delivery worker to look now (workers elsewhere find it at their next poll). */
  readonly wake: Wake;
}

/** What the target answered a test message, as the sender saw it. */
export interface TestOutcome {
  readonly ok: boolean;
  readonly statusCode?: number | undefined;
  readonly latencyMs: number;
  readonly responseBody?: string | undefined;
  readonly error?: string | undefined;
  /** The network error's class (timeout, dns, connection_refused, …) when nothing answered. */
  readonly errorClass?: string | undefined;
}

/** A test as recorded: the outcome and when it counted in the health (the log's time for it). */
export interface RecordedTest extends TestOutcome {
  readonly at: number;
}

/**
 * What every kind of integration (chat rooms and webhooks alike) offers beside its settings:
 * a test message now, and a re-send of a delivery that gave up or was dropped. The services
 * check that the integration exists and is theirs first.
 */
export class DeliveryActions {
  constructor(private readonly options: DeliveryActionsOptions) {}

  /**
   * Sends a test message, keeps it for the delivery log and counts its outcome in the
   * integration's health, so a wrong token shows in `_status` at once and the counters and the
   * log agree; a failed test alone never marks the integration errored. A successful test means
   * the target is back: a queue head waiting for its next retry (and the changes behind it) is
   * sent at once instead of at its scheduled time.
   */
  async test(target: ChannelTarget, actor: Actor): Promise<RecordedTest> {
    const { db, queue, health, sender, clock, wake } = this.options;
    const outcome = await sender.sendTest(target, actor);
    const at = clock();
    const detail = outcome.responseBody ?? outcome.error;
    await db.transaction().execute(async (tx) => {
      await health.recordTest(tx, target.id, {
        at,
        ok: outcome.ok,
        statusCode: outcome.statusCode,
        latencyMs: outcome.latencyMs,
        errorClass: outcome.errorClass,
        detail,
        actorName: actorName(actor),
      });
      await health.record(tx, target.id, {
        success: outcome.ok,
        at,
        statusCode: outcome.statusCode,
        responseBody: detail,
        errorClass: outcome.errorClass,
        test: true,
        failureThreshold: Number.POSITIVE_INFINITY,
        failureWindowMs: 0,
      });
    });
    if (outcome.ok && (await queue.retryHeadNow(db, target.id, at))) await wake(target.id);
    return { ...outcome, at };
  }

  /**
   * Makes a dead or dropped delivery pending again with a fresh attempt budget; `owner` names
   * the integration in the error when there is no such delivery.
   */
  async resend(integrationId: string, deliveryId: number, owner: string): Promise<void> {
    const { db, queue, clock } = this.options;
    const queued = await queue.requeue(db, integrationId, deliveryId, clock());
    if (!queued) throw new NotFoundError(`No dead or dropped delivery ${deliveryId} for ${owner}`);
  }
}
