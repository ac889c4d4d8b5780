import { type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { ClaimedLane, ClaimRequest } from './delivery-queue.js';
import { type HeadRow, pending } from './outbox-queue.js';
import { upToFirstNotOurs } from './postgres-lane-extension.js';

/** The lanes one claim took, and the rows it leased that must go back. */
export interface TakenLanes {
  readonly lanes: ClaimedLane[];
  /** Leased behind a row another worker took first: not to be sent by this claim. */
  readonly stranded: number[];
}

/** The first key of the advisory locks that claims take per integration. */
export const claimLockSpace = 0x5342_0001;

/**
 * Where a claim's first statement leaves the heads whose locks it took, for its second: set
 * for the claim's transaction only (`set_config(…, true)`), so it never outlives the claim.
 */
const lockedHeads = 'switchboard.claim_heads';

/**
 * A claim in two round trips where it took five: the due heads (`dueHeads`, less the
 * integrations this worker is busy with, up to the claim's limit), a plain read; then, when
 * there are any, `begin`, their locks, the lanes and `commit`, all sent before the first is
 * answered (the pool's connections are pipelined: db/database.ts). A claim that finds nothing
 * is the one read, as it was.
 *
 * One lane per integration at a time, across workers. A change whose transaction commits late
 * gets a lower id than rows another worker is already sending, and so becomes the queue's head
 * while that lane is out; claimed as a head, it would go to the room at the same time as the
 * lane's rows. So the claim takes a transaction-scoped advisory lock per head's integration: a
 * claim of the same integration running right now (whose leases are not visible yet) holds it,
 * and this one passes the integration over instead of waiting. The statement after the locks,
 * whose snapshot is taken after them and so sees any claim that committed before, takes the
 * lanes of the heads locked (`takeLanesInOneStatement`). The heads locked go from the one to the
 * other through a setting of the transaction, since neither is answered before both are sent.
 */
export async function claimLanesPipelined(
  db: Kysely<Database>,
  // biome-ignore lint/suspicious/noExplicitAny: any query whose rows are heads
  dueHeads: SelectQueryBuilder<any, any, HeadRow>,
  request: ClaimRequest,
): Promise<TakenLanes> {
  const heads = await dueHeads
    .where(sql<boolean>`i.id <> all(${[...request.busy]}::text[])`)
    .limit(request.limit)
    .execute();
  if (heads.length === 0) return { lanes: [], stranded: [] };
  // On the connection itself: Kysely runs one query at a time on a reserved connection.
  return db.getExecutor().provideConnection(async (connection) => {
    const run = <R>(query: RawBuilder<R>) => connection.executeQuery<R>(query.compile(db));
    const sent = [
      run(sql`begin`),
      run(sql<{ locked: string }>`
        with locked as materialized (
          select h.id from unnest(
            ${heads.map((h) => Number(h.id))}::bigint[], ${heads.map((h) => h.integration_id)}::text[]
          ) as h(id, integration_id)
          where pg_try_advisory_xact_lock(${claimLockSpace}, hashtext(h.integration_id))
        )
        select set_config(${lockedHeads}, coalesce(string_agg(id::text, ','), ''), true) as locked
        from locked`),
      run(takeLanesInOneStatement(request)),
      run(sql`commit`),
    ] as const;
    const [, lockedSent, lanesSent] = sent;
    const settled = await Promise.allSettled(sent);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const locked = new Set((await lockedSent).rows[0]?.locked.split(',').map(Number));
    const ours = heads.filter((h) => locked.has(Number(h.id)));
    return lanesOf(ours, (await lanesSent).rows, request.depth);
  });
}

/**
 * A claim's lanes in one statement (it was four: lock the heads, read the rows behind each,
 * lease them). Run in the claim's transaction after the statement that took the integrations'
 * claim locks, so its snapshot sees every claim that committed before; the heads are those whose
 * locks that statement took, read from the transaction's setting. For each head:
 * - the head is passed over if another worker has a lane of its integration out (a pending row
 *   under a live lease: a change that committed late became the head while the lane was out);
 * - it is locked with `FOR UPDATE SKIP LOCKED` and re-checked under the lock, so a head that was
 *   finished or leased meanwhile drops out;
 * - the rows behind it are taken while every row up to them is due and unleased (a running
 *   `bool_and`), up to `depth` with the head, and leased in the same statement; the lease
 *   re-checks each row under its row lock, and a lane keeps its rows up to the first it did not
 *   get.
 */
function takeLanesInOneStatement({ workerId, now, staleBefore, depth }: ClaimRequest) {
  return sql<LaneRow>`
    with head as (
      select d.id, d.integration_id from deliveries d
      where d.id = any(string_to_array(current_setting(${lockedHeads}, true), ',')::bigint[])
        and d.status = ${pending}
        and (d.locked_at is null or d.locked_at < ${staleBefore})
        and not exists (
          select 1 from deliveries o
          where o.status = ${pending} and o.integration_id = d.integration_id
            and o.locked_at >= ${staleBefore})
      for update of d skip locked
    ), lane as (
      select head.id as head, q.id, q.audit_id, q.attempts,
        bool_and(q.run_at <= ${now} and (q.locked_at is null or q.locked_at < ${staleBefore}))
          over (partition by head.id order by q.id) as free
      from head cross join lateral (
        select id, audit_id, attempts, run_at, locked_at from deliveries
        where status = ${pending} and integration_id = head.integration_id and id >= head.id
        order by id limit ${depth}
      ) as q
    ), leased as (
      update deliveries as d set locked_by = ${workerId}, locked_at = ${now}
      from lane
      where d.id = lane.id and lane.free and (d.locked_at is null or d.locked_at < ${staleBefore})
      returning d.id
    )
    select lane.head, lane.id, lane.audit_id, lane.attempts, lane.free, leased.id is not null as ours
    from lane left join leased on leased.id = lane.id
    order by lane.head, lane.id`;
}

/** A row of `takeLanesInOneStatement`: a lane's row, whether it was free and whether it is ours. */
interface LaneRow {
  readonly head: number;
  readonly id: number;
  readonly audit_id: string;
  readonly attempts: number;
  readonly free: boolean;
  readonly ours: boolean;
}

/** Each head's lane, from the rows the lane statement saw for it. */
function lanesOf(heads: readonly HeadRow[], rows: readonly LaneRow[], depth: number): TakenLanes {
  const lanes: ClaimedLane[] = [];
  const stranded: number[] = [];
  for (const head of heads) {
    const seen = rows.filter((row) => Number(row.head) === Number(head.id));
    const { kept, stranded: back } = upToFirstNotOurs(seen.filter((row) => row.free));
    stranded.push(...back);
    if (kept.length === 0) continue;
    const deliveries = kept.map((row) => ({
      id: Number(row.id),
      integrationId: head.integration_id,
      auditId: row.audit_id,
      attempts: Number(row.attempts),
      integrationVersion: Number(head.integration_version),
    }));
    // Every row it saw is the lane's, fewer than the depth: the end of the queue (ClaimedLane.whole).
    const whole = seen.length < depth && kept.length === seen.length;
    lanes.push({ integrationId: head.integration_id, deliveries, whole });
  }
  return { lanes, stranded };
}
