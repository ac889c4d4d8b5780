import { prepareQuery } from '../../db/prepared-query.js';
import type { Executor } from '../../db/schema.js';

/** One attempt's (or test message's) outcome, counted in the integration's health. */
export interface HealthUpdate {
  readonly success: boolean;
  readonly at: number;
  readonly statusCode?: number | undefined;
  readonly responseBody?: string | undefined;
  /** The network error's class (timeout, dns, …) when there was no answer: the UI words it. */
  readonly errorClass?: string | undefined;
  /** A Test button message, not a delivery: the UI says so. */
  readonly test?: boolean | undefined;
  /** Set to mark the integration in error ("token rejected"); cleared by a success. */
  readonly erroredReason?: string | undefined;
  /** Consecutive failed attempts after which the integration is marked in error. */
  readonly failureThreshold: number;
  /** …provided they have gone on for at least this long. */
  readonly failureWindowMs: number;
}

const recentErrorsKept = 10;
/** Test messages kept per integration for the delivery log; older ones are deleted. */
export const testsKept = 20;

/** One Test button message, as the delivery log shows it. */
export interface TestRecord {
  readonly at: number;
  readonly ok: boolean;
  readonly statusCode?: number | undefined;
  readonly latencyMs: number;
  readonly errorClass?: string | undefined;
  readonly detail?: string | undefined;
  readonly actorName?: string | undefined;
}

const countSuccess = prepareQuery((db, integrationId: string, at: number) =>
  db
    .insertInto('integration_status')
    .values({ integration_id: integrationId, success_count: 1, last_success: at })
    .onConflict((oc) =>
      oc.column('integration_id').doUpdateSet((eb) => ({
        success_count: eb('integration_status.success_count', '+', 1),
        last_success: at,
        consecutive_failures: 0,
        failing_since: null,
        errored_reason: null,
      })),
    ),
);

/**
 * The write side of an integration's health (`integration_status`): counts of successes and
 * failures, the last few errors, and the "in error" mark. The worker records each attempt here
 * in the transaction that finishes the delivery; the Test button records its message too.
 * `IntegrationHealthView` is the read side.
 */
export class IntegrationHealthStore {
  async record(db: Executor, integrationId: string, health: HealthUpdate): Promise<void> {
    if (health.success) {
      // The common case, in one statement (an upsert works the same on SQLite and PostgreSQL).
      await countSuccess.run(db, integrationId, health.at);
      return;
    }
    // The row first, if it is not there yet: the Test button and the worker can record a failure
    // of the same integration at once, and with "read, then insert if missing" on PostgreSQL
    // the second insert failed on the unique key (taking the worker's whole finish with it).
    await db
      .insertInto('integration_status')
      .values({ integration_id: integrationId })
      .onConflict((oc) => oc.column('integration_id').doNothing())
      .execute();
    const current = await db
      .selectFrom('integration_status')
      .selectAll()
      .where('integration_id', '=', integrationId)
      .executeTakeFirst();
    const recent = JSON.parse(current?.recent_errors ?? '[]') as unknown[];
    recent.unshift({
      statusCode: health.statusCode,
      responseBody: health.responseBody ?? '',
      timestamp: health.at,
      ...(health.errorClass === undefined ? {} : { errorClass: health.errorClass }),
      ...(health.test === true ? { test: true } : {}),
    });
    const failures = Number(current?.consecutive_failures ?? 0) + 1;
    const since = current?.failing_since == null ? health.at : Number(current.failing_since);
    const tooLong = failures >= health.failureThreshold && health.at - since >= health.failureWindowMs;
    // When the failures began is `errored.since` beside the reason, not repeated in it.
    const reason = health.erroredReason ?? (tooLong ? `${failures} consecutive failed attempts` : undefined);
    await db
      .updateTable('integration_status')
      .set((eb) => ({
        error_count: eb('error_count', '+', 1),
        last_error: health.at,
        consecutive_failures: failures,
        failing_since: since,
        recent_errors: JSON.stringify(recent.slice(0, recentErrorsKept)),
        ...(reason === undefined ? {} : { errored_reason: reason }),
      }))
      .where('integration_id', '=', integrationId)
      .execute();
  }

  /**
   * Keeps a Test button message for the delivery log (the newest `testsKept`), so a test that
   * the counters include is also a row people can see. `record` counts it as for any attempt.
   */
  async recordTest(db: Executor, integrationId: string, test: TestRecord): Promise<void> {
    await db
      .insertInto('integration_tests')
      .values({
        integration_id: integrationId,
        at: test.at,
        ok: test.ok ? 1 : 0,
        status_code: test.statusCode ?? null,
        latency_ms: Math.round(test.latencyMs),
        error_class: test.errorClass ?? null,
        detail: test.detail ?? null,
        actor_name: test.actorName ?? null,
      })
      .execute();
    const keep = await db
      .selectFrom('integration_tests')
      .select('id')
      .where('integration_id', '=', integrationId)
      .orderBy('id', 'desc')
      .offset(testsKept)
      .limit(1)
      .executeTakeFirst();
    if (keep !== undefined) {
      await db
        .deleteFrom('integration_tests')
        .where('integration_id', '=', integrationId)
        .where('id', '<=', Number(keep.id))
        .execute();
    }
  }

  /** Clears the error mark (a success does this too). */
  async clearError(db: Executor, integrationId: string): Promise<void> {
    await db
      .updateTable('integration_status')
      .set({ errored_reason: null, consecutive_failures: 0, failing_since: null })
      .where('integration_id', '=', integrationId)
      .execute();
  }

  /** Removed with the integration, its tests too. */
  async forget(db: Executor, integrationId: string): Promise<void> {
    await db.deleteFrom('integration_status').where('integration_id', '=', integrationId).execute();
    await db.deleteFrom('integration_tests').where('integration_id', '=', integrationId).execute();
  }
}
