import { type Kysely, sql } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { ClaimedDelivery, LaneExtension } from './delivery-queue.js';
import { pending } from './outbox-queue.js';

/** A lane's extension as one statement returns it: the rows it leased, and those it must give back. */
export interface ExtendedLane {
  readonly deliveries: ClaimedDelivery[];
  /** Leased behind a row another worker took first: not to be sent by this lane. */
  readonly stranded: number[];
  /** See `LaneExtended.drained`. */
  readonly drained: boolean;
  /** See `LaneExtended.whole`. */
  readonly whole: boolean;
}

/**
 * `DeliveryQueue.extendLane` in one statement, on PostgreSQL where each is a round trip: the next
 * `depth` pending rows after the lane's last, each marked free while every row up to it is due
 * and unleased (a running `bool_and`), the free ones leased in the same statement, and which of
 * them the lease really took (a row another worker leased meanwhile fails the lease's re-check
 * under its row lock). The lane keeps its rows up to the first it did not take.
 *
 * Only while the lane holds its last row (pending, leased to this worker): that live lease is
 * what keeps other workers' claims off the integration. And not past a pending row below it that
 * is not the lane's: a change that committed late with a lower id is the queue's head now, for
 * a claim to send first. What is left open: such a row committing in the instant between this
 * statement's snapshot and its commit, while another worker claims it at once; the two rows may
 * then be in flight together. Its change committed after the rows this lane takes, so commit
 * order puts it after them, and the claim takes eight round trips before it sends.
 */
export async function extendLaneInOneStatement(
  db: Kysely<Database>,
  x: LaneExtension,
): Promise<ExtendedLane> {
  const { rows } = await sql<{
    held: boolean;
    blocked: boolean;
    id: number | null;
    audit_id: string;
    attempts: number;
    free: boolean;
    ours: boolean;
  }>`
    with state as (
      select
        exists (
          select 1 from deliveries where id = ${x.afterId} and status = ${pending}
            and locked_by = ${x.workerId}) as held,
        exists (
          select 1 from deliveries where status = ${pending} and integration_id = ${x.integrationId}
            and id < ${x.afterId} and locked_by is distinct from ${x.workerId}) as blocked
    ), next as (
      select id, audit_id, attempts, run_at, locked_at from deliveries, state
      where status = ${pending} and integration_id = ${x.integrationId} and id > ${x.afterId}
        and state.held and not state.blocked
      order by id limit ${x.depth}
    ), lane as (
      select id, audit_id, attempts,
        bool_and(run_at <= ${x.now} and (locked_at is null or locked_at < ${x.staleBefore}))
          over (order by id) as free
      from next
    ), leased as (
      update deliveries as d set locked_by = ${x.workerId}, locked_at = ${x.now}
      from lane
      where d.id = lane.id and lane.free and (d.locked_at is null or d.locked_at < ${x.staleBefore})
      returning d.id
    )
    select state.held, state.blocked, lane.id, lane.audit_id, lane.attempts, lane.free,
      leased.id is not null as ours
    from state left join (lane left join leased on leased.id = lane.id) on true
    order by lane.id`.execute(db);
  const first = rows[0];
  const behind = rows.filter((row) => row.id !== null);
  const { kept, stranded } = upToFirstNotOurs(behind.filter((row) => row.free));
  const deliveries = kept.map(
    (row): ClaimedDelivery => ({
      id: Number(row.id),
      integrationId: x.integrationId,
      auditId: row.audit_id,
      attempts: Number(row.attempts),
      integrationVersion: x.integrationVersion,
    }),
  );
  const looked = first?.held === true && !first.blocked;
  const whole = looked && behind.length < x.depth && deliveries.length === behind.length;
  return { deliveries, stranded, drained: looked && behind.length === 0, whole };
}

/**
 * A lane's rows, in queue order, up to the first one its lease did not get (another worker's
 * took it first); the rows of ours behind that one go back, not to be sent before it.
 */
export function upToFirstNotOurs<T extends { readonly id: number | null; readonly ours: boolean }>(
  rows: readonly T[],
): { kept: T[]; stranded: number[] } {
  const cut = rows.findIndex((row) => !row.ours);
  if (cut < 0) return { kept: [...rows], stranded: [] };
  const stranded = rows.slice(cut).flatMap((row) => (row.ours ? [Number(row.id)] : []));
  return { kept: rows.slice(0, cut), stranded };
}
