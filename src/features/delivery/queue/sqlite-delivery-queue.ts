import type { Kysely } from 'kysely';
import { prepareQuery } from '../../../db/prepared-query.js';
import type { Database, Executor } from '../../../db/schema.js';
import type {
  ClaimedDelivery,
  ClaimedLane,
  ClaimRequest,
  LaneExtended,
  LaneExtension,
  LeaseRenewal,
} from './delivery-queue.js';
import { type HeadRow, OutboxQueue, pending } from './outbox-queue.js';

// Leasing, renewing and releasing name each row by id and holder or lease: with
// `status = 'pending'` instead, SQLite preferred the queue index and read every pending row
// (1.2 ms per call with 30,000 queued). They go row by row with one compiled statement each: a
// call costs microseconds here, and an `id in (…)` list of every length was a new prepared
// statement kept in memory per claim size.

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
    .where('status', '=', pending)
    .where('integration_id', '=', integrationId)
    .where('id', '>', headId)
    .orderBy('id')
    .limit(limit),
);

/**
 * The queue on SQLite: one process, and one writer at a time, so a claim's transaction alone
 * keeps two claims apart and the heads it read are its to take. Claims read and lease row by
 * row: a statement costs microseconds here.
 */
export class SqliteDeliveryQueue extends OutboxQueue {
  protected readonly lateralJoins = false;

  claimLanes(db: Kysely<Database>, request: ClaimRequest): Promise<ClaimedLane[]> {
    return db.transaction().execute(async (tx) => {
      const { limit, busy } = request;
      const heads = await this.dueHeads(tx, request)
        .limit(limit + busy.size)
        .execute();
      const free = heads.filter((h) => !busy.has(h.integration_id)).slice(0, limit);
      return free.length === 0 ? [] : this.takeLanes(tx, free, request);
    });
  }

  /** Each head with the rows behind it, leased row by row (each a few microseconds here). */
  private async takeLanes(
    tx: Executor,
    heads: readonly HeadRow[],
    request: ClaimRequest,
  ): Promise<ClaimedLane[]> {
    const lanes: ClaimedLane[] = [];
    for (const head of heads) lanes.push(await this.laneOf(tx, head, request));
    const ours = await this.leaseFree(
      tx,
      lanes.flatMap((l) => l.deliveries.map((d) => d.id)),
      request,
    );
    return this.keepOurs(tx, lanes, ours, request.workerId);
  }

  extendLane(db: Kysely<Database>, extension: LaneExtension): Promise<LaneExtended> {
    return db.transaction().execute(async (tx) => {
      const { integrationId, workerId } = extension;
      const next = await this.freeRowsBehind(tx, integrationId, extension);
      if (next.length === 0) {
        const drained = !(await this.hasPendingBehind(tx, integrationId, extension.afterId));
        return { deliveries: [], drained, whole: drained };
      }
      const ours = await this.leaseFree(
        tx,
        next.map((d) => d.id),
        extension,
      );
      const [kept] = await this.keepOurs(tx, [{ integrationId, deliveries: next }], ours, workerId);
      // Whether the rows it took were all there was is not looked at: a look costs little here.
      return { deliveries: [...(kept?.deliveries ?? [])], drained: false, whole: false };
    });
  }

  /** A head with the due, unleased rows right behind it, up to the claim's depth. */
  private async laneOf(tx: Executor, head: HeadRow, request: ClaimRequest): Promise<ClaimedLane> {
    const integrationVersion = Number(head.integration_version);
    const deliveries: ClaimedDelivery[] = [
      {
        id: Number(head.id),
        integrationId: head.integration_id,
        auditId: head.audit_id,
        attempts: Number(head.attempts),
        integrationVersion,
      },
    ];
    // Rows behind a head are not claimed by anyone else while the head is leased: other
    // workers only ever claim heads. They are leased with it all the same, so a crash leaves
    // them to the lease's expiry like the head.
    if (request.depth > 1) {
      const behind = { ...request, afterId: Number(head.id), integrationVersion, depth: request.depth - 1 };
      deliveries.push(...(await this.freeRowsBehind(tx, head.integration_id, behind)));
    }
    return { integrationId: head.integration_id, deliveries };
  }

  /** The due, unleased rows after `afterId`, up to the first that is not. */
  private async freeRowsBehind(
    tx: Executor,
    integrationId: string,
    {
      afterId,
      depth,
      now,
      staleBefore,
      integrationVersion,
    }: Omit<LaneExtension, 'integrationId' | 'workerId'>,
  ): Promise<ClaimedDelivery[]> {
    const rows: ClaimedDelivery[] = [];
    for (const row of await followersOf.all(tx, integrationId, afterId, depth)) {
      const leased = row.locked_at !== null && Number(row.locked_at) >= staleBefore;
      if (Number(row.run_at) > now || leased) break;
      const { audit_id: auditId, attempts } = row;
      rows.push({
        id: Number(row.id),
        integrationId,
        auditId,
        attempts: Number(attempts),
        integrationVersion,
      });
    }
    return rows;
  }

  /** Each lane up to its first row that is not ours; rows of ours behind that gap go back. */
  private async keepOurs(
    tx: Executor,
    lanes: readonly ClaimedLane[],
    ours: ReadonlySet<number>,
    workerId: string,
  ): Promise<ClaimedLane[]> {
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
  }

  /** Those of `ids` that nobody holds, leased to the worker; returns the ones now its. */
  private async leaseFree(
    tx: Executor,
    ids: readonly number[],
    { workerId, now, staleBefore }: Pick<ClaimRequest, 'workerId' | 'now' | 'staleBefore'>,
  ): Promise<ReadonlySet<number>> {
    const ours = new Set<number>();
    for (const id of ids) if ((await leaseRow.run(tx, workerId, now, id, staleBefore)) === 1) ours.add(id);
    return ours;
  }

  async renewLease(db: Executor, { ids, workerId, now }: LeaseRenewal): Promise<void> {
    for (const id of ids) await renewRow.run(db, now, id, workerId);
  }

  async release(db: Executor, ids: readonly number[], workerId: string): Promise<void> {
    for (const id of ids) await releaseRow.run(db, id, workerId);
  }

  /** After a crash of the only process, nobody else can hold a lease: free them all. */
  async recoverLeases(db: Executor): Promise<void> {
    await db
      .updateTable('deliveries')
      .set({ locked_by: null, locked_at: null })
      .where('status', '=', pending)
      .where('locked_by', 'is not', null)
      .execute();
  }
}
