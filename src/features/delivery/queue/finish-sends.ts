import { setTimeout } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { prepareQuery } from '../../../db/prepared-query.js';
import type { Database, Executor } from '../../../db/schema.js';
import type { IntegrationHealthStore } from '../integration-health-store.js';
import type { AttemptRecord, DeliveryUpdate, FinishedSend } from './delivery-queue.js';

/** The pause before a finish that failed on its own is tried again, once. */
export const finishRetryMs = 250;

const markDelivered = prepareQuery((db, id: number, attempts: number, at: number) =>
  db
    .updateTable('deliveries')
    .set({
      status: 'done',
      attempts,
      locked_by: null,
      locked_at: null,
      last_error: null,
      finished_at: at,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending'),
);

// Positional because a prepared query's arguments are; `recordAttempt` is what callers use.
const insertAttempt = prepareQuery(
  (
    db,
    deliveryId: number,
    attempt: number,
    at: number,
    outcome: string,
    statusCode: number | null,
    latencyMs: number,
    errorClass: string | null,
    responseExcerpt: string | null,
  ) =>
    db.insertInto('delivery_attempts').values({
      delivery_id: deliveryId,
      attempt,
      at,
      outcome,
      status_code: statusCode,
      latency_ms: latencyMs,
      error_class: errorClass,
      response_excerpt: responseExcerpt,
    }),
);

/** One row of the delivery log's attempts. */
function recordAttempt(tx: Executor, attempt: AttemptRecord): Promise<number> {
  return insertAttempt.run(
    tx,
    attempt.deliveryId,
    attempt.attempt,
    attempt.at,
    attempt.outcome,
    attempt.statusCode ?? null,
    Math.round(attempt.latencyMs),
    attempt.errorClass ?? null,
    attempt.responseExcerpt ?? null,
  );
}

async function updateDelivery(tx: Executor, attempt: AttemptRecord, update: DeliveryUpdate): Promise<number> {
  const result = await tx
    .updateTable('deliveries')
    .set({
      status: update.status,
      attempts: attempt.outcome === 'dropped' ? attempt.attempt - 1 : attempt.attempt,
      locked_by: null,
      locked_at: null,
      last_error: update.lastError ?? null,
      ...(update.runAt === undefined ? {} : { run_at: update.runAt }),
      finished_at: update.status === 'pending' ? null : attempt.at,
    })
    .where('id', '=', attempt.deliveryId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Records finished sends: the delivery row, its attempt and the integration's health, the same
 * statements on every database.
 */
export class SendFinisher {
  constructor(private readonly health: IntegrationHealthStore) {}

  /**
   * Several finished sends in one transaction: the worker collects what completes in one turn
   * of the event loop, so a busy worker commits once per round instead of once per send. If
   * the batch fails, each send is tried alone, so one bad row cannot hold back the others, and
   * what fails alone is tried once more after a pause (a dropped connection, a lock timeout).
   * What still fails keeps its lease and is sent again when the lease expires.
   */
  async finishMany(
    db: Kysely<Database>,
    finished: readonly FinishedSend[],
    /** The pause before the second try. */
    retryAfterMs = finishRetryMs,
  ): Promise<PromiseSettledResult<void>[]> {
    const batchError = await this.finishTogether(db, finished);
    if (batchError === undefined) return finished.map(() => ({ status: 'fulfilled', value: undefined }));
    const errors = finished.length === 1 ? [batchError] : await this.finishEachAlone(db, finished);
    if (errors.some((e) => e !== undefined)) {
      await setTimeout(retryAfterMs);
      const again = await this.finishEachAlone(
        db,
        finished.filter((_, i) => errors[i] !== undefined),
      );
      let next = 0;
      errors.forEach((e, i) => {
        if (e !== undefined) errors[i] = again[next++];
      });
    }
    return errors.map((reason) =>
      reason === undefined ? { status: 'fulfilled', value: undefined } : { status: 'rejected', reason },
    );
  }

  /** One transaction for all of them; the error if it failed. */
  private async finishTogether(db: Kysely<Database>, finished: readonly FinishedSend[]): Promise<unknown> {
    try {
      await db.transaction().execute(async (tx) => {
        for (const send of finished) await this.finishIn(tx, send);
      });
      return undefined;
    } catch (error) {
      return error ?? new Error('finishing a delivery failed');
    }
  }

  /** A transaction each; the error of each that failed. */
  private async finishEachAlone(db: Kysely<Database>, finished: readonly FinishedSend[]): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const send of finished) errors.push(await this.finishTogether(db, [send]));
    return errors;
  }

  private async finishIn(tx: Executor, { attempt, update, health }: FinishedSend): Promise<void> {
    // The row first: if the integration (and with it its queue) was deleted meanwhile, there is
    // nothing left to record, and inserting the attempt would break its foreign key.
    const updated =
      update.status === 'done'
        ? await markDelivered.run(tx, attempt.deliveryId, attempt.attempt, attempt.at)
        : await updateDelivery(tx, attempt, update);
    if (updated === 0) return;
    if (attempt.outcome !== 'dropped') await recordAttempt(tx, attempt);
    if (health !== undefined) await this.health.record(tx, attempt.integrationId, health);
  }
}
