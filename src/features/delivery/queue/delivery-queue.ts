import type { Kysely } from 'kysely';
import type { Database, DeliveryStatus, Executor } from '../../../db/schema.js';
import type { HealthUpdate } from '../integration-health-store.js';

export interface ClaimedDelivery {
  readonly id: number;
  readonly integrationId: string;
  readonly auditId: string;
  readonly attempts: number;
  /** The integration's version when the delivery was claimed: a cached read as new is reused. */
  readonly integrationVersion: number;
}

/** Consecutive deliveries of one integration, claimed together and sent one after another. */
export interface ClaimedLane {
  readonly integrationId: string;
  /** In queue order; the first is the queue's head. */
  readonly deliveries: readonly ClaimedDelivery[];
  /**
   * The claim saw the end of the integration's queue: every row pending behind the head, fewer
   * than the lane's depth, is in the lane (`LaneExtended.whole`). Left out where a look is
   * cheap (SQLite).
   */
  readonly whole?: boolean;
}

/** One delivery row per integration that hears a change, written in the change's transaction. */
export interface NewDeliveries {
  readonly integrationIds: readonly string[];
  readonly auditId: string;
  /** The audit entry's kind (flag, project, …), kept for the delivery log. */
  readonly kind: string;
  readonly at: number;
}

/** What a worker asks one claim for. */
export interface ClaimRequest {
  readonly workerId: string;
  readonly now: number;
  /** A lease taken before this is someone else's crash: its rows may be claimed again. */
  readonly staleBefore: number;
  /** Integrations (lanes) claimed at most. */
  readonly limit: number;
  /** Deliveries claimed per integration at most: the head and up to `depth - 1` behind it. */
  readonly depth: number;
  /** Integrations this worker is sending to already: passed over. */
  readonly busy: ReadonlySet<string>;
}

/** A lane that goes on without a claim: the rows right behind the last one it was given. */
export interface LaneExtension {
  readonly integrationId: string;
  /** The last row the lane was given. */
  readonly afterId: number;
  /** The integration's version its claim saw. */
  readonly integrationVersion: number;
  readonly workerId: string;
  readonly now: number;
  readonly staleBefore: number;
  /** Rows taken at most. */
  readonly depth: number;
}

/** What an extension took, and whether the lane's queue was found empty behind it. */
export interface LaneExtended {
  /** Leased to the lane, in queue order. */
  readonly deliveries: ClaimedDelivery[];
  /**
   * Nothing at all was pending behind the lane's last row, and the lane could look (it held its
   * last row, with no late row below it): nothing is left for a claim to find. A change queued
   * after this look notices the worker as usual.
   */
  readonly drained: boolean;
  /**
   * The look saw the end of the lane's queue (as `drained`, but having taken what it found:
   * every row pending behind the lane's last, fewer than `depth`, is now the lane's). With no
   * change queued for the integration since the look began, another would find nothing, and
   * the lane ends without it (`LaneDriver`): on PostgreSQL a round trip per lane.
   */
  readonly whole: boolean;
}

/** Rows a worker holds, named by id and holder. */
export interface LeaseRenewal {
  readonly ids: readonly number[];
  readonly workerId: string;
  readonly now: number;
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

export interface FinishedSend {
  readonly attempt: AttemptRecord;
  readonly update: DeliveryUpdate;
  readonly health: HealthUpdate | undefined;
}

/**
 * The transactional outbox: rows are inserted in the change's transaction, claimed by the
 * delivery worker with a lease, and finished with one recorded attempt each. Only the oldest
 * pending row of an integration is ever claimable, which is what keeps each room's
 * notifications in commit order. One implementation per database (`deliveryQueueFor` picks it):
 * how rows are locked and leased is the only thing that differs.
 */
export interface DeliveryQueue {
  enqueue(db: Executor, deliveries: NewDeliveries): Promise<void>;
  /**
   * Claims the queues of up to `limit` integrations (skipping `busy` ones) whose head is due
   * and not leased, or whose lease went stale: each head with up to `depth - 1` rows after it,
   * stopping at the first row that is not due or is leased, so they can be sent one after
   * another without another claim. One transaction, so two claimers never take the same row.
   */
  claimLanes(db: Kysely<Database>, request: ClaimRequest): Promise<ClaimedLane[]>;
  /**
   * Leases the due, unleased rows right behind a lane's last row, up to `depth` and up to the
   * first that is not, so the lane goes on without a claim. For a lane still sending, whose
   * rows this worker holds: while it holds a live lease on a pending row of the integration, no
   * other worker claims that integration (the claim's lane check), so it stays one lane at a
   * time. Should another worker's claim slip in once the last row is recorded, each keeps only
   * its leased rows up to the first it could not lease, as in a claim. Says whether the queue
   * was drained behind the lane (`LaneExtended.drained`).
   */
  extendLane(db: Kysely<Database>, extension: LaneExtension): Promise<LaneExtended>;
  /** Renews a worker's lease on rows it still holds (a long lane, before it goes stale). */
  renewLease(db: Executor, renewal: LeaseRenewal): Promise<void>;
  /** Gives claimed rows back unsent (a lane cut short): the next claim takes them again. */
  release(db: Executor, ids: readonly number[], workerId: string): Promise<void>;
  /** Called once as a worker starts: frees leases that only a crashed process can hold. */
  recoverLeases(db: Executor): Promise<void>;
  /**
   * The earliest time an unleased queue head becomes due (for the worker's sleep), if any. A
   * leased head is someone's send in progress: its finish wakes the worker, or its lease goes
   * stale at `staleBefore + lease`, which the caller's poll interval covers.
   */
  nextDueAt(db: Executor, staleBefore: number): Promise<number | undefined>;
  /** Puts a claimed row back without counting an attempt (throttled: not our turn yet). */
  defer(db: Executor, id: number, runAt: number): Promise<void>;
  /**
   * Several finished sends in one transaction (see `finishSends`): one result per send, in
   * order; a rejected one keeps its lease and is sent again when the lease expires.
   */
  finishMany(
    db: Kysely<Database>,
    finished: readonly FinishedSend[],
    retryAfterMs?: number,
  ): Promise<PromiseSettledResult<void>[]>;
  /** Re-sends a dead or dropped delivery: pending again, with a fresh attempt budget. */
  requeue(db: Executor, integrationId: string, deliveryId: number, now: number): Promise<boolean>;
  /** An integration's queue, delivery log and health, removed with the integration itself. */
  forget(db: Executor, integrationId: string): Promise<void>;
  pendingCount(db: Executor, integrationId: string): Promise<number>;
  /**
   * Deletes up to `limit` finished deliveries (delivered, dead or dropped) that finished before
   * `before`, oldest first, with their attempts; never a pending one. Returns how many went.
   */
  prune(db: Executor, before: number, limit: number): Promise<number>;
  /** Whether the integration has pending deliveries queued behind this one (a blocked head). */
  hasPendingBehind(db: Executor, integrationId: string, deliveryId: number): Promise<boolean>;
  /** When the delivery's current attempt budget began: its latest attempt number 1. */
  budgetStartedAt(db: Executor, deliveryId: number): Promise<number | undefined>;
  /**
   * Brings a pending, unleased delivery waiting for a retry forward to `runAt` if it was due
   * later (a head that deliveries now wait behind); says whether it moved.
   */
  pullIn(db: Executor, deliveryId: number, runAt: number): Promise<boolean>;
  /**
   * Makes an integration's queue head due now if it is waiting for a retry (the integration's
   * test message just succeeded); says whether there was such a head.
   */
  retryHeadNow(db: Executor, integrationId: string, now: number): Promise<boolean>;
}
