import { type Kysely, sql } from 'kysely';
import type { Database, Executor } from '../../../db/schema.js';
import { TransactionTail } from '../../../db/transaction-tail.js';
import type { IntegrationHealthStore } from '../integration-health-store.js';
import type {
  ClaimedLane,
  ClaimRequest,
  FinishedSend,
  LaneExtended,
  LaneExtension,
  LeaseRenewal,
  NewDeliveries,
} from './delivery-queue.js';
import { OutboxQueue } from './outbox-queue.js';
import { claimLanesPipelined } from './postgres-claim.js';
import { finishPlainSuccesses, isPlainSuccess } from './postgres-finish.js';
import { extendLaneInOneStatement } from './postgres-lane-extension.js';

const recorded: PromiseSettledResult<void> = { status: 'fulfilled', value: undefined };

/**
 * The queue on PostgreSQL, where several worker processes claim at once: heads are locked with
 * `FOR UPDATE SKIP LOCKED` under a per-integration advisory lock, and since every statement is a
 * round trip, leases are taken, renewed and released one statement per list of rows.
 */
export class PostgresDeliveryQueue extends OutboxQueue {
  protected readonly lateralJoins = true;

  /** `tail`: where a change's delivery rows wait for its last statement (ChangeLog's). */
  constructor(
    health: IntegrationHealthStore,
    private readonly tail: TransactionTail = new TransactionTail(),
  ) {
    super(health);
  }

  /**
   * All of a change's rows in one statement, in the order of `integrationIds` (ids follow the
   * order of `unnest … with ordinality`), held for the change's last statement when the
   * transaction is ChangeLog's: a toggle sends its rows with its NOTIFYs, one round trip.
   */
  override async enqueue(db: Executor, { integrationIds, auditId, kind, at }: NewDeliveries): Promise<void> {
    if (integrationIds.length === 0) return;
    const insert = sql`
      insert into deliveries (integration_id, audit_id, kind, status, run_at, created_at)
      select t.id, ${auditId}, ${kind}, 'pending', ${at}::bigint, ${at}::bigint
      from unnest(${[...integrationIds]}::text[]) with ordinality as t(id, n)
      order by t.n`;
    await this.tail.write(db, { query: insert.compile(db), table: 'deliveries' });
  }

  /**
   * The sends that simply went through in one statement (postgres-finish.ts) instead of a
   * transaction of three statements each; the others, or all of them if that statement fails,
   * the general way (one transaction, then each alone, then once more after a pause).
   */
  override async finishMany(
    db: Kysely<Database>,
    finished: readonly FinishedSend[],
    retryAfterMs?: number,
  ): Promise<PromiseSettledResult<void>[]> {
    let plainRecorded = false;
    if (finished.some(isPlainSuccess)) {
      try {
        await finishPlainSuccesses(db, finished.filter(isPlainSuccess));
        plainRecorded = true;
      } catch {
        // Recorded below with the rest, each alone if need be: the general path says what failed.
      }
    }
    const inOneStatement = (send: FinishedSend) => plainRecorded && isPlainSuccess(send);
    const rest = finished.filter((send) => !inOneStatement(send));
    const results = rest.length === 0 ? [] : await super.finishMany(db, rest, retryAfterMs);
    let next = 0;
    return finished.map((send) => (inOneStatement(send) ? recorded : (results[next++] ?? recorded)));
  }

  /** One statement instead of a transaction of three (postgres-lane-extension.ts). */
  async extendLane(db: Kysely<Database>, extension: LaneExtension): Promise<LaneExtended> {
    const { stranded, ...extended } = await extendLaneInOneStatement(db, extension);
    await this.release(db, stranded, extension.workerId);
    return extended;
  }

  /** In two round trips, two claims of one integration kept apart by a lock (postgres-claim.ts). */
  override async claimLanes(db: Kysely<Database>, request: ClaimRequest): Promise<ClaimedLane[]> {
    const { lanes, stranded } = await claimLanesPipelined(db, this.dueHeads(db, request), request);
    // After the claim's commit: its lanes are the worker's whatever happens here. Rows not given
    // back wait for their lease to go stale, as a crashed worker's do.
    await this.release(db, stranded, request.workerId).catch(() => undefined);
    return lanes;
  }

  async renewLease(db: Executor, { ids, workerId, now }: LeaseRenewal): Promise<void> {
    if (ids.length === 0) return;
    await db
      .updateTable('deliveries')
      .set({ locked_at: now })
      .where('id', 'in', ids)
      .where('locked_by', '=', workerId)
      .execute();
  }

  async release(db: Executor, ids: readonly number[], workerId: string): Promise<void> {
    if (ids.length === 0) return;
    await db
      .updateTable('deliveries')
      .set({ locked_by: null, locked_at: null })
      .where('id', 'in', ids)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /** Other processes may hold live leases: stale ones are taken over by claims instead. */
  async recoverLeases(): Promise<void> {}
}
