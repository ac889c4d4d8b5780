import { setTimeout } from 'node:timers/promises';
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { prepareQuery } from '../../db/prepared-query.js';
import type { Database, DeliveryStatus, Executor } from '../../db/schema.js';

export interface ClaimedDelivery {
  readonly id: number;
  readonly integrationId: string;
  readonly auditId: string;
  readonly attempts: number;
}

/** Consecutive deliveries of one integration, claimed together and sent one after another. */
export interface ClaimedLane {
  readonly integrationId: string;
  /** In queue order; the first is the queue's head. */
  readonly deliveries: readonly ClaimedDelivery[];
}

export interface AttemptRecord {
  readonly deliveryId: number;
  readonly integrationId: string;
  readonly attempt: number;
  readonly at: number;
  readonly outcome: 'delivered' | 'retry' | 'failed' | 'dropped';
  readonly statusCode: number | undefined;
  readonly latencyMs: number;
  readonly errorClass: string | undefined;
  readonly responseExcerpt: string | undefined;
}

export interface DeliveryUpdate {
  readonly status: DeliveryStatus;
  /** When to try again (status pending). */
  readonly runAt?: number;
  readonly lastError?: string | undefined;
}

export interface HealthUpdate {
  readonly success: boolean;
  readonly at: number;
  readonly statusCode?: number | undefined;
  readonly responseBody?: string | undefined;
  /** Set to mark the integration in error ("token rejected"); cleared by a success. */
  readonly erroredReason?: string | undefined;
  /** Consecutive failed attempts after which the integration is marked in error. */
  readonly failureThreshold: number;
  /** …provided they have gone on for at least this long. */
  readonly failureWindowMs: number;
}

export interface FinishedSend {
  readonly attempt: AttemptRecord;
  readonly update: DeliveryUpdate;
  readonly health: HealthUpdate | undefined;
}

const recentErrorsKept = 10;
/** The first key of the advisory locks that claims take per integration (PostgreSQL). */
export const claimLockSpace = 0x5342_0001;
/** The pause before a finish that failed on its own is tried again, once. */
const finishRetryMs = 250;

/**
 * The head (oldest pending delivery) of every integration's queue. One index seek per
 * integration on (status, integration_id, id): a `GROUP BY` over the pending rows read every one
 * of them, which bench/delivery measured at 2.4 ms per claim with 30,000 queued.
 */
function queueHeads(eb: ExpressionBuilder<Database, never>) {
  return eb
    .selectFrom('integrations as i')
    .select((i) =>
      i
        .selectFrom('deliveries as q')
        .select((q) => q.fn.min('q.id').as('m'))
        .where('q.status', '=', 'pending')
        .whereRef('q.integration_id', '=', 'i.id')
        .as('head'),
    )
    .as('h');
}

const insertDelivery = prepareQuery((db, integrationId: string, auditId: string, kind: string, now: number) =>
  db.insertInto('deliveries').values({
    integration_id: integrationId,
    audit_id: auditId,
    kind,
    status: 'pending',
    run_at: now,
    created_at: now,
  }),
);

const leaseRow = prepareQuery((db, workerId: string, now: number, id: number, staleBefore: number) =>
  db
    .updateTable('deliveries')
    .set({ locked_by: workerId, locked_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('locked_at', 'is', null), eb('locked_at', '<', staleBefore)])),
);

const renewRow = prepareQuery((db, now: number, id: number, workerId: string) =>
  db.updateTable('deliveries').set({ locked_at: now }).where('id', '=', id).where('locked_by', '=', workerId),
);

const releaseRow = prepareQuery((db, id: number, workerId: string) =>
  db
    .updateTable('deliveries')
    .set({ locked_by: null, locked_at: null })
    .where('id', '=', id)
    .where('locked_by', '=', workerId),
);

/** The pending rows after a queue's head, to claim with it (the caller stops at a gap). */
const followersOf = prepareQuery((db, integrationId: string, headId: number, limit: number) =>
  db
    .selectFrom('deliveries')
    .select(['id', 'audit_id', 'attempts', 'run_at', 'locked_at'])
    .where('status', '=', 'pending')
    .where('integration_id', '=', integrationId)
    .where('id', '>', headId)
    .orderBy('id')
    .limit(limit),
);

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
 * The transactional outbox: rows are inserted in the change's transaction, claimed by the
 * delivery worker with a lease, and finished with one recorded attempt each. Only the oldest
 * pending row of an integration is ever claimable, which is what keeps each room's
 * notifications in commit order.
 */
export class OutboxStore {
  /** `skipLocked`: claim with `FOR UPDATE SKIP LOCKED` because other processes claim too. */
  constructor(private readonly skipLocked = false) {}

  async enqueue(
    db: Executor,
    integrationIds: readonly string[],
    auditId: string,
    kind: string,
    now: number,
  ): Promise<void> {
    // One compiled statement per row: with 100 integrations, building one 100-row insert with
    // Kysely cost more than running the prepared single-row insert 100 times.
    for (const integrationId of integrationIds)
      await insertDelivery.run(db, integrationId, auditId, kind, now);
  }

  /** An integration's queue, delivery log and health, removed with the integration itself. */
  async forget(db: Executor, integrationId: string): Promise<void> {
    await db.deleteFrom('integration_status').where('integration_id', '=', integrationId).execute();
    await db.deleteFrom('deliveries').where('integration_id', '=', integrationId).execute();
  }

  /** After a crash of the only process (SQLite), nobody else can hold a lease: free them all. */
  async releaseAllLeases(db: Executor): Promise<void> {
    await db
      .updateTable('deliveries')
      .set({ locked_by: null, locked_at: null })
      .where('locked_by', 'is not', null)
      .execute();
  }

  /**
   * Claims the queues of up to `limit` integrations (skipping those in `busy`) whose head is due
   * and not leased, or whose lease went stale: each head with up to `depth - 1` rows after it,
   * stopping at the first row that is not due or is leased, so they can be sent one after
   * another without another claim. One transaction, so two claimers never take the same row.
   */
  async claimLanes(
    db: Kysely<Database>,
    workerId: string,
    now: number,
    staleBefore: number,
    limit: number,
    depth: number,
    busy: ReadonlySet<string>,
  ): Promise<ClaimedLane[]> {
    return db.transaction().execute(async (tx) => {
      const heads = await tx
        .selectFrom(queueHeads)
        .innerJoin('deliveries as d', 'd.id', 'h.head')
        .select(['d.id', 'd.integration_id', 'd.audit_id', 'd.attempts'])
        .where('d.run_at', '<=', now)
        .where((eb) => eb.or([eb('d.locked_at', 'is', null), eb('d.locked_at', '<', staleBefore)]))
        .orderBy('d.id')
        .limit(limit + busy.size)
        .execute();
      let claimed = heads.filter((h) => !busy.has(h.integration_id)).slice(0, limit);
      if (claimed.length === 0) return [];
      if (this.skipLocked) {
        claimed = await this.onlyFreeIntegrations(tx, claimed, staleBefore);
        if (claimed.length === 0) return [];
        // Several workers (PostgreSQL): lock the heads we saw, skipping any another worker is
        // claiming right now. The row is re-checked under the lock, so a head that was finished
        // or leased meanwhile drops out, and only a queue's head is ever sent.
        const locked = await tx
          .selectFrom('deliveries')
          .select('id')
          .where(
            'id',
            'in',
            claimed.map((c) => c.id),
          )
          .where('status', '=', 'pending')
          .where((eb) => eb.or([eb('locked_at', 'is', null), eb('locked_at', '<', staleBefore)]))
          .forUpdate()
          .skipLocked()
          .execute();
        const ids = new Set(locked.map((r) => Number(r.id)));
        claimed = claimed.filter((c) => ids.has(Number(c.id)));
        if (claimed.length === 0) return [];
      }
      const lanes: ClaimedLane[] = [];
      for (const head of claimed) {
        const deliveries: ClaimedDelivery[] = [
          {
            id: Number(head.id),
            integrationId: head.integration_id,
            auditId: head.audit_id,
            attempts: Number(head.attempts),
          },
        ];
        if (depth > 1) {
          // Rows behind a head are not claimed by anyone else while the head is leased: other
          // workers only ever claim heads. They are leased with it all the same, so a crash
          // leaves them to the lease's expiry like the head.
          for (const row of await followersOf.all(tx, head.integration_id, Number(head.id), depth - 1)) {
            const leased = row.locked_at !== null && Number(row.locked_at) >= staleBefore;
            if (Number(row.run_at) > now || leased) break;
            deliveries.push({
              id: Number(row.id),
              integrationId: head.integration_id,
              auditId: row.audit_id,
              attempts: Number(row.attempts),
            });
          }
        }
        lanes.push({ integrationId: head.integration_id, deliveries });
      }
      // Only rows nobody holds: on PostgreSQL, a row that commits late can become a queue's new
      // head while another worker is taking the rows behind it in a claim of its own. The
      // integration's claim lock (above) keeps two claims apart; should one slip through all
      // the same, waiting for its row locks and re-checking here keeps both from taking the
      // same rows.
      const ours = await this.leaseFree(
        tx,
        lanes.flatMap((l) => l.deliveries.map((d) => d.id)),
        workerId,
        now,
        staleBefore,
      );
      const result: ClaimedLane[] = [];
      const stranded: number[] = [];
      for (const lane of lanes) {
        const cut = lane.deliveries.findIndex((d) => !ours.has(d.id));
        if (cut < 0) {
          result.push(lane);
          continue;
        }
        if (cut > 0)
          result.push({ integrationId: lane.integrationId, deliveries: lane.deliveries.slice(0, cut) });
        // Rows of ours behind the gap would sit out a lease for nothing: give them back.
        for (const d of lane.deliveries.slice(cut)) if (ours.has(d.id)) stranded.push(d.id);
      }
      await this.release(tx, stranded, workerId);
      return result;
    });
  }

  /**
   * Several workers (PostgreSQL): one lane per integration at a time, across workers. A change
   * whose transaction commits late gets a lower id than rows another worker is already sending,
   * and so becomes the queue's head while that lane is out; claimed as a head, it would go to
   * the room at the same time as the lane's rows. So the heads of integrations with a lane out
   * (a pending row under a live lease) are passed over, and each integration's claim takes a
   * transaction-scoped advisory lock first: a claim of the same integration running right now
   * (whose leases are not visible yet) holds it, and this one skips the integration instead of
   * waiting. The check runs after the lock, so it sees any claim that committed before.
   */
  private async onlyFreeIntegrations<T extends { integration_id: string }>(
    tx: Executor,
    heads: readonly T[],
    staleBefore: number,
  ): Promise<T[]> {
    const ids = [...new Set(heads.map((h) => h.integration_id))];
    const { rows } = await sql<{ id: string }>`
      select id from unnest(${ids}::text[]) as t(id)
      where pg_try_advisory_xact_lock(${claimLockSpace}, hashtext(id))`.execute(tx);
    const locked = rows.map((r) => r.id);
    if (locked.length === 0) return [];
    const laneOut = await tx
      .selectFrom('deliveries')
      .select('integration_id')
      .where('status', '=', 'pending')
      .where('integration_id', 'in', locked)
      .where('locked_at', '>=', staleBefore)
      .groupBy('integration_id')
      .execute();
    const free = new Set(locked);
    for (const row of laneOut) free.delete(row.integration_id);
    return heads.filter((h) => free.has(h.integration_id));
  }

  // Leasing, renewing and releasing name each row by id and holder or lease: with
  // `status = 'pending'` instead, SQLite preferred the queue index and read every pending row
  // (1.2 ms per call with 30,000 queued). On SQLite they go row by row with one compiled
  // statement each (a call costs microseconds there; an `id in (…)` list of every length was a
  // new prepared statement kept in memory per claim size). On PostgreSQL, where every statement
  // is a round trip, one statement takes the whole list.

  /** Leases those of `ids` that nobody holds; returns the ones now leased to `workerId`. */
  private async leaseFree(
    tx: Executor,
    ids: readonly number[],
    workerId: string,
    now: number,
    staleBefore: number,
  ): Promise<Set<number>> {
    const ours = new Set<number>();
    if (ids.length === 0) return ours;
    if (!this.skipLocked) {
      for (const id of ids) if ((await leaseRow.run(tx, workerId, now, id, staleBefore)) === 1) ours.add(id);
      return ours;
    }
    const leased = await tx
      .updateTable('deliveries')
      .set({ locked_by: workerId, locked_at: now })
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('locked_at', 'is', null), eb('locked_at', '<', staleBefore)]))
      .returning('id')
      .execute();
    for (const row of leased) ours.add(Number(row.id));
    return ours;
  }

  /** Renews this worker's lease on rows it still holds (a long lane, before it goes stale). */
  async renewLease(db: Executor, ids: readonly number[], workerId: string, now: number): Promise<void> {
    if (ids.length === 0) return;
    if (!this.skipLocked) {
      for (const id of ids) await renewRow.run(db, now, id, workerId);
      return;
    }
    await db
      .updateTable('deliveries')
      .set({ locked_at: now })
      .where('id', 'in', ids)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /** Gives claimed rows back unsent (a lane cut short): the next claim takes them again. */
  async release(db: Executor, ids: readonly number[], workerId: string): Promise<void> {
    if (ids.length === 0) return;
    if (!this.skipLocked) {
      for (const id of ids) await releaseRow.run(db, id, workerId);
      return;
    }
    await db
      .updateTable('deliveries')
      .set({ locked_by: null, locked_at: null })
      .where('id', 'in', ids)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /**
   * The earliest time an unleased queue head becomes due (for the worker's sleep), if any. A
   * leased head is someone's send in progress: its finish wakes the worker, or its lease goes
   * stale at `staleBefore + lease`, which the caller's poll interval covers.
   */
  async nextDueAt(db: Executor, staleBefore: number): Promise<number | undefined> {
    const row = await db
      .selectFrom(queueHeads)
      .innerJoin('deliveries as d', 'd.id', 'h.head')
      .where((eb) => eb.or([eb('d.locked_at', 'is', null), eb('d.locked_at', '<', staleBefore)]))
      .select((eb) => eb.fn.min('d.run_at').as('due'))
      .executeTakeFirst();
    return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
  }

  /** Puts a claimed row back without counting an attempt (throttled: not our turn yet). */
  async defer(db: Executor, id: number, runAt: number): Promise<void> {
    await db
      .updateTable('deliveries')
      .set({ run_at: runAt, locked_by: null, locked_at: null })
      .where('id', '=', id)
      .execute();
  }

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
        for (const { attempt, update, health } of finished) await this.finishIn(tx, attempt, update, health);
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

  private async finishIn(
    tx: Executor,
    attempt: AttemptRecord,
    update: DeliveryUpdate,
    health: HealthUpdate | undefined,
  ): Promise<void> {
    // The row first: if the integration (and with it its queue) was deleted meanwhile, there is
    // nothing left to record, and inserting the attempt would break its foreign key.
    const updated =
      update.status === 'done'
        ? await markDelivered.run(tx, attempt.deliveryId, attempt.attempt, attempt.at)
        : await this.updateDelivery(tx, attempt, update);
    if (updated === 0) return;
    if (attempt.outcome !== 'dropped') {
      await insertAttempt.run(
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
    if (health !== undefined) await this.recordHealth(tx, attempt.integrationId, health);
  }

  private async updateDelivery(
    tx: Executor,
    attempt: AttemptRecord,
    update: DeliveryUpdate,
  ): Promise<number> {
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

  async recordHealth(db: Executor, integrationId: string, health: HealthUpdate): Promise<void> {
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
    });
    const failures = Number(current?.consecutive_failures ?? 0) + 1;
    const since = current?.failing_since == null ? health.at : Number(current.failing_since);
    const tooLong = failures >= health.failureThreshold && health.at - since >= health.failureWindowMs;
    const reason =
      health.erroredReason ??
      (tooLong
        ? `${failures} consecutive failed attempts since ${new Date(since).toISOString()}`
        : undefined);
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

  /** A successful test clears the error mark. */
  async clearError(db: Executor, integrationId: string): Promise<void> {
    await db
      .updateTable('integration_status')
      .set({ errored_reason: null, consecutive_failures: 0, failing_since: null })
      .where('integration_id', '=', integrationId)
      .execute();
  }

  /** Re-sends a dead delivery: it becomes pending again, with a fresh attempt budget. */
  async requeue(db: Executor, integrationId: string, deliveryId: number, now: number): Promise<boolean> {
    const result = await db
      .updateTable('deliveries')
      .set({
        status: 'pending',
        attempts: 0,
        run_at: now,
        finished_at: null,
        locked_by: null,
        locked_at: null,
      })
      .where('id', '=', deliveryId)
      .where('integration_id', '=', integrationId)
      .where('status', 'in', ['dead', 'dropped'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async pendingCount(db: Executor, integrationId: string): Promise<number> {
    const row = await db
      .selectFrom('deliveries')
      .select(sql<number>`count(*)`.as('n'))
      .where('integration_id', '=', integrationId)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
