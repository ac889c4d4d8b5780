import { type Kysely, sql } from 'kysely';
import { prepareQuery } from '../../../db/prepared-query.js';
import type { Database, DeliveryStatus, Executor } from '../../../db/schema.js';
import type { IntegrationHealthStore } from '../integration-health-store.js';
import type {
  ClaimedLane,
  ClaimRequest,
  DeliveryQueue,
  FinishedSend,
  LaneExtended,
  LaneExtension,
  LeaseRenewal,
  NewDeliveries,
} from './delivery-queue.js';
import { SendFinisher } from './finish-sends.js';

/** A queue head as a claim reads it. */
export interface HeadRow {
  readonly id: number;
  readonly integration_id: string;
  readonly audit_id: string;
  readonly attempts: number;
  readonly integration_version: number;
}

/**
 * Written into the SQL, not bound: the pending-rows index (`deliveries_pending`, migration 009)
 * is partial, and PostgreSQL's generic plan of a prepared statement (from its sixth run) uses it
 * only where the query's own text implies its predicate.
 */
export const pending = sql.lit<DeliveryStatus>('pending');

/**
 * The head (oldest pending delivery) of every integration's queue, as `d`: one seek per
 * integration in the pending-rows index, whatever number of finished rows the table keeps.
 * PostgreSQL gets it as a LATERAL join, which it can only run once per integration: given the
 * head's id from a subquery instead, its planner hashed the whole table to join it (a sequential
 * scan of every delivery, 50 ms at 64,700 rows) whenever its row estimates said so. SQLite has no
 * LATERAL, and its planner looks the head up by rowid for each integration (EXPLAIN QUERY PLAN).
 * A `GROUP BY` over the pending rows instead read every one of them (bench/delivery: 2.4 ms per
 * claim with 30,000 queued). Both forms are checked by test/postgres/claim-plans.test.ts and sqlite-claim-plans.test.ts.
 */
function queueHeads(db: Executor, lateral: boolean) {
  const from = db.selectFrom('integrations as i');
  if (lateral) {
    return from.innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('deliveries as q')
          .select(['q.id', 'q.integration_id', 'q.audit_id', 'q.attempts', 'q.run_at', 'q.locked_at'])
          .where('q.status', '=', pending)
          .whereRef('q.integration_id', '=', 'i.id')
          .orderBy('q.id')
          .limit(1)
          .as('d'),
      (join) => join.onTrue(),
    );
  }
  return from.innerJoin(
    (eb) =>
      eb
        .selectFrom('deliveries')
        .select(['id', 'integration_id', 'audit_id', 'attempts', 'run_at', 'locked_at'])
        .as('d'),
    (join) =>
      join.on((eb) =>
        eb(
          'd.id',
          '=',
          eb
            .selectFrom('deliveries as q')
            .select('q.id')
            .where('q.status', '=', pending)
            .whereRef('q.integration_id', '=', 'i.id')
            .orderBy('q.id')
            .limit(1),
        ),
      ),
  );
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

/**
 * What every database's queue does the same way. A subclass says how a claim takes lanes from
 * the heads it read, how a lane is extended, and how rows are renewed and released: on SQLite
 * one process with one writer claims, row by row; on PostgreSQL several processes claim at once,
 * in as few statements as it takes.
 */
export abstract class OutboxQueue implements DeliveryQueue {
  private readonly finisher: SendFinisher;

  constructor(private readonly health: IntegrationHealthStore) {
    this.finisher = new SendFinisher(health);
  }

  /** Whether this database joins LATERAL (see `queueHeads`). */
  protected abstract readonly lateralJoins: boolean;
  /**
   * The due, unleased heads a claim may take, each head with the due, unleased rows right behind
   * it up to the claim's depth, leased to the worker. Another worker may be claiming at the same
   * moment: each database keeps two claims apart its own way.
   */
  abstract claimLanes(db: Kysely<Database>, request: ClaimRequest): Promise<ClaimedLane[]>;
  abstract extendLane(db: Kysely<Database>, extension: LaneExtension): Promise<LaneExtended>;
  abstract renewLease(db: Executor, renewal: LeaseRenewal): Promise<void>;
  abstract release(db: Executor, ids: readonly number[], workerId: string): Promise<void>;
  abstract recoverLeases(db: Executor): Promise<void>;

  async enqueue(db: Executor, { integrationIds, auditId, kind, at }: NewDeliveries): Promise<void> {
    // One compiled statement per row: with 100 integrations, building one 100-row insert with
    // Kysely cost more than running the prepared single-row insert 100 times.
    for (const integrationId of integrationIds)
      await insertDelivery.run(db, integrationId, auditId, kind, at);
  }

  async forget(db: Executor, integrationId: string): Promise<void> {
    await this.health.forget(db, integrationId);
    await db.deleteFrom('deliveries').where('integration_id', '=', integrationId).execute();
  }

  /** A claim's candidates: every due, unleased head, oldest first (`HeadRow`'s columns). */
  protected dueHeads(db: Executor, { now, staleBefore }: Pick<ClaimRequest, 'now' | 'staleBefore'>) {
    return queueHeads(db, this.lateralJoins)
      .select(['d.id', 'd.integration_id', 'd.audit_id', 'd.attempts', 'i.version as integration_version'])
      .where('d.run_at', '<=', now)
      .where((eb) => eb.or([eb('d.locked_at', 'is', null), eb('d.locked_at', '<', staleBefore)]))
      .orderBy('d.id');
  }

  async nextDueAt(db: Executor, staleBefore: number): Promise<number | undefined> {
    const row = await queueHeads(db, this.lateralJoins)
      .where((eb) => eb.or([eb('d.locked_at', 'is', null), eb('d.locked_at', '<', staleBefore)]))
      .select((eb) => eb.fn.min('d.run_at').as('due'))
      .executeTakeFirst();
    return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
  }

  async defer(db: Executor, id: number, runAt: number): Promise<void> {
    await db
      .updateTable('deliveries')
      .set({ run_at: runAt, locked_by: null, locked_at: null })
      .where('id', '=', id)
      .execute();
  }

  finishMany(
    db: Kysely<Database>,
    finished: readonly FinishedSend[],
    retryAfterMs?: number,
  ): Promise<PromiseSettledResult<void>[]> {
    return this.finisher.finishMany(db, finished, retryAfterMs);
  }

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
      .where('status', '=', pending)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async prune(db: Executor, before: number, limit: number): Promise<number> {
    // One statement, so each batch is its own short transaction. The outer conditions are checked
    // again on the row itself: a dead delivery re-sent (pending again) between the subquery's
    // read and the delete stays. Attempts go with their delivery (`on delete cascade`, with
    // foreign keys on in SQLite: see `openSqlite`).
    const result = await db
      .deleteFrom('deliveries')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('deliveries')
          .select('id')
          .where('finished_at', '<', before)
          .orderBy('finished_at')
          .limit(limit),
      )
      .where('finished_at', '<', before)
      .where('status', '<>', pending)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async hasPendingBehind(db: Executor, integrationId: string, deliveryId: number): Promise<boolean> {
    const row = await db
      .selectFrom('deliveries')
      .select('id')
      .where('status', '=', pending)
      .where('integration_id', '=', integrationId)
      .where('id', '>', deliveryId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async budgetStartedAt(db: Executor, deliveryId: number): Promise<number | undefined> {
    // A re-send starts the numbering again at 1: the latest attempt 1 is the budget's start.
    const row = await db
      .selectFrom('delivery_attempts')
      .select('at')
      .where('delivery_id', '=', deliveryId)
      .where('attempt', '=', 1)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.at);
  }

  async pullIn(db: Executor, deliveryId: number, runAt: number): Promise<boolean> {
    const result = await db
      .updateTable('deliveries')
      .set({ run_at: runAt })
      .where('id', '=', deliveryId)
      .where('status', '=', pending)
      .where('locked_at', 'is', null)
      .where('run_at', '>', runAt)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async retryHeadNow(db: Executor, integrationId: string, now: number): Promise<boolean> {
    const result = await db
      .updateTable('deliveries')
      .set({ run_at: now })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('deliveries as q')
          .select((q) => q.fn.min('q.id').as('head'))
          .where('q.status', '=', pending)
          .where('q.integration_id', '=', integrationId),
      )
      .where('attempts', '>', 0)
      .where('locked_at', 'is', null)
      .where('run_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
