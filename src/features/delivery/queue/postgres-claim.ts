import { sql } from 'kysely';
import type { Executor } from '../../../db/schema.js';
import type { ClaimedLane, ClaimRequest } from './delivery-queue.js';
import { type HeadRow, pending } from './outbox-queue.js';
import { upToFirstNotOurs } from './postgres-lane-extension.js';

/** The lanes one statement took, and the rows it leased that must go back. */
export interface TakenLanes {
  readonly lanes: ClaimedLane[];
  /** Leased behind a row another worker took first: not to be sent by this claim. */
  readonly stranded: number[];
}

/**
 * A claim's lanes in one statement, on PostgreSQL where each is a round trip (it was four: lock
 * the heads, read the rows behind each, lease them). Run in the claim's transaction after it has
 * taken the integrations' claim locks, so its snapshot sees every claim that committed before.
 * For each head it was given:
 * - the head is passed over if another worker has a lane of its integration out (a pending row
 *   under a live lease: a change that committed late became the head while the lane was out);
 * - it is locked with `FOR UPDATE SKIP LOCKED` and re-checked under the lock, so a head that was
 *   finished or leased meanwhile drops out;
 * - the rows behind it are taken while every row up to them is due and unleased (a running
 *   `bool_and`), up to `depth` with the head, and leased in the same statement; the lease
 *   re-checks each row under its row lock, and a lane keeps its rows up to the first it did not
 *   get.
 */
export async function takeLanesInOneStatement(
  tx: Executor,
  heads: readonly HeadRow[],
  { workerId, now, staleBefore, depth }: ClaimRequest,
): Promise<TakenLanes> {
  const { rows } = await sql<{
    head: number;
    id: number;
    audit_id: string;
    attempts: number;
    free: boolean;
    ours: boolean;
  }>`
    with head as (
      select d.id, d.integration_id from deliveries d
      where d.id = any(${heads.map((h) => Number(h.id))}::bigint[]) and d.status = ${pending}
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
    order by lane.head, lane.id`.execute(tx);
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
