import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { AuditEntry } from '../audit/audit-model.js';
import { AuditEntryCache } from './audit-entry-cache.js';
import type { ChannelRegistry } from './delivery-channel.js';
import type { DeliveryListen } from './delivery-fan-out.js';
import { type Lane, LaneDriver } from './delivery-lane.js';
import { DeliverySender, type IntegrationReader } from './delivery-sender.js';
import { FinishBatch } from './finish-batch.js';
import { NextDueLook } from './next-due.js';
import type { OutboundHttp } from './outbound-http.js';
import type { ClaimedDelivery, ClaimedLane, DeliveryQueue } from './queue/delivery-queue.js';
import type { SendThrottle } from './send-throttle.js';

export interface DeliveryWorkerOptions {
  readonly db: Kysely<Database>;
  readonly queue: DeliveryQueue;
  /** The integrations deliveries go to (documents and sealed secrets). */
  readonly integrations: IntegrationReader;
  readonly secrets: SecretBox;
  readonly http: Pick<OutboundHttp, 'post'>;
  readonly log: Logger;
  readonly retrySchedule: readonly number[];
  /** The delivery channels by integration kind (hipchat, slack, msteams, webhook). */
  readonly channels: ChannelRegistry;
  /** Paces sends under the channels' limits (`sendThrottleFor`); default: in this process's memory. */
  readonly throttle?: SendThrottle | undefined;
  readonly clock: () => number;
  readonly random?: () => number;
  /** Deliveries sent at once, each to a different integration. */
  readonly maxInFlight?: number;
  /** Deliveries of one integration claimed (or a lane extended by) together, sent one by one. */
  readonly laneDepth?: number;
  /**
   * How many sends of one lane may be out with their attempt not yet recorded, the one in flight
   * included: each waits for the previous one's answer (order), not for its record (`FinishBatch`).
   * A crash repeats at most this many per integration. 1 records each send before the next.
   */
  readonly unrecordedWindow?: number;
  /**
   * The longest wait before a failing queue head is tried again while deliveries wait behind
   * it (`blockedHeadRetryAt`), instead of the schedule's later steps of minutes to an hour.
   */
  readonly blockedRetryCapMs?: number;
  /** A claim older than this is someone else's crash: it may be taken again. */
  readonly leaseMs?: number;
  /** Fallback poll when nothing wakes the worker. */
  readonly pollMs?: number;
  /** Consecutive failed attempts, lasting at least `failureWindowMs`, that mark an integration in error. */
  readonly failureThreshold?: number;
  readonly failureWindowMs?: number;
  /** Subscribes to "new deliveries" from other processes (PostgreSQL LISTEN); polling covers gaps. */
  readonly listen?: DeliveryListen | undefined;
}

/** The default `unrecordedWindow`: a crash repeats at most this many sends per integration. */
export const defaultUnrecordedWindow = 16;

/** The default `blockedRetryCapMs`: later changes are at most about this late after an outage. */
export const defaultBlockedRetryCapMs = 5_000;

/**
 * Sends queued deliveries: claims the head of each integration's queue (so every room hears its
 * changes in commit order) and sends each claimed lane in its own loop, at most `maxInFlight`
 * at once (`DeliverySender` paces, sends and records each one). At-least-once: a row is marked
 * done only after a 2xx.
 */
export class DeliveryWorker {
  readonly id = `worker-${randomUUID()}`;
  /** Integrations being sent to, each by its own loop; at most `maxInFlight`. */
  private readonly lanes = new Map<string, { lane: Lane; work: Promise<void> }>();
  private running = false;
  private readonly db: Kysely<Database>;
  private readonly queue: DeliveryQueue;
  private readonly log: Logger;
  private readonly entries: AuditEntryCache;
  private readonly sender: DeliverySender;
  private readonly driver: LaneDriver;
  private unlisten: (() => Promise<void>) | undefined;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly maxInFlight: number;
  private readonly laneDepth: number;
  private readonly blockedRetryCapMs: number;
  /** Heads seen failing with nothing behind them, by integration: due again on the schedule
   * (maybe an hour away), brought forward when a change queues behind one. */
  private readonly loneRetries = new Map<string, { readonly id: number; runAt: number }>();
  /**
   * Changes queued so far, counted by their wakes (a mark that never goes back, unlike a clock):
   * the count at each integration's last (`wake` with ids), and at the last notice from another
   * process that named none (`queuedSince`).
   */
  private queued = 0;
  private readonly queuedAt = new Map<string, number>();
  private anyQueuedAt = -1;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly nextDue: NextDueLook;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.db = options.db;
    this.queue = options.queue;
    this.log = options.log;
    this.entries = new AuditEntryCache(options.db);
    const unrecordedWindow = Math.max(1, options.unrecordedWindow ?? defaultUnrecordedWindow);
    const batch = new FinishBatch(options.db, options.queue, Math.ceil(unrecordedWindow / 2));
    this.blockedRetryCapMs = options.blockedRetryCapMs ?? defaultBlockedRetryCapMs;
    this.sender = new DeliverySender({
      ...options,
      entries: this.entries,
      blockedRetryCapMs: this.blockedRetryCapMs,
      finish: (send) => batch.finish(send),
      failureThreshold: options.failureThreshold ?? 10,
      failureWindowMs: options.failureWindowMs ?? 60 * 60_000,
    });
    this.maxInFlight = options.maxInFlight ?? 64;
    this.laneDepth = options.laneDepth ?? 16;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.nextDue = new NextDueLook((now) => this.queue.nextDueAt(this.db, now - this.leaseMs), this.pollMs);
    this.driver = new LaneDriver({
      db: this.db,
      queue: this.queue,
      sender: this.sender,
      entries: this.entries,
      log: this.log,
      clock: options.clock,
      workerId: this.id,
      leaseMs: this.leaseMs,
      laneDepth: this.laneDepth,
      unrecordedWindow,
      running: () => this.running,
      queueMark: () => this.queued,
      onLoneRetry: (integrationId, id, runAt, sentAt) => {
        this.loneRetries.set(integrationId, { id, runAt });
        // A change queued while it was sent and recorded is behind it already.
        if ((this.queuedAt.get(integrationId) ?? -1) > sentAt)
          this.pullInLoneRetries(new Set([integrationId]));
      },
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.queue.recoverLeases(this.db);
    if (this.options.listen !== undefined)
      this.unlisten = await this.options.listen((ids) => {
        if (ids !== undefined) return this.wake(ids);
        this.anyQueuedAt = ++this.queued;
        this.wake();
      });
    this.running = true;
    this.loop = this.run();
  }

  /** Something was queued: look now instead of at the next poll. */
  wake(): void;
  /**
   * New deliveries for these integrations. When every one already has a lane out, there is
   * nothing to claim now (only a queue's head may go): the lane goes on, or its end wakes the
   * loop. This spares a claim per change while a busy room is sending.
   */
  wake(integrationIds: ReadonlySet<string>): void;
  wake(integrationIds?: ReadonlySet<string>): void {
    if (integrationIds !== undefined) {
      this.queued++;
      for (const id of integrationIds) this.queuedAt.set(id, this.queued);
      this.pullInLoneRetries(integrationIds);
    }
    if (integrationIds !== undefined && integrationIds.size > 0) {
      let allBusy = true;
      for (const id of integrationIds) {
        const lane = this.lanes.get(id)?.lane;
        if (lane === undefined) allBusy = false;
        else lane.noticed = true;
      }
      if (allBusy) return;
      // From another process (NOTIFY), for no integration in particular: for any lane out.
    } else for (const { lane } of this.lanes.values()) lane.noticed = true;
    this.woken = true;
    this.wakeUp?.();
  }

  /** Whether a change was queued for the integration after `mark` (`queueMark`), or maybe was. */
  private queuedSince(integrationId: string, mark: number): boolean {
    return this.anyQueuedAt > mark || (this.queuedAt.get(integrationId) ?? -1) > mark;
  }

  /** This process changed an integration (committed): what its lane cached is read again. */
  forgetIntegration(id: string): void {
    this.sender.forgetIntegration(id);
  }

  /**
   * An entry this process has just written, handed over so its deliveries need not read it
   * back. Harmless if the change then rolls back: no delivery of it will ever be claimed.
   */
  prime(entry: AuditEntry): void {
    this.entries.prime(entry);
  }

  /** Stops claiming, lets in-flight sends finish (bounded by the HTTP timeouts), then returns. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.lanes.values()].map((l) => l.work));
    await this.unlisten?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      const capacity = this.maxInFlight - this.lanes.size;
      const lookedAt = this.queued;
      const claimed = capacity > 0 ? await this.claim(capacity) : [];
      for (const claim of claimed) this.startLane(claim, lookedAt);
      // Fewer lanes than there was room for: no due head is left (but another worker's).
      const tookAll = claimed.length < capacity || capacity === 0;
      if (tookAll && this.running && !this.woken) await this.sleep(capacity > 0);
      else await new Promise((resolve) => setImmediate(resolve)); // I/O callbacks between rounds
    }
  }

  /** Changes were queued behind heads waiting for a retry on the schedule: retried within the
   * cap instead. Once moved, the loop looks again when the next is due: its sleep was set by
   * the head's old time, perhaps an hour away, or by a poll as far (a worker of its own). */
  private pullInLoneRetries(integrationIds: ReadonlySet<string>): void {
    if (this.loneRetries.size === 0) return;
    const now = this.options.clock();
    for (const id of integrationIds) {
      const head = this.loneRetries.get(id);
      if (head === undefined) continue;
      this.loneRetries.delete(id);
      const runAt = now + this.blockedRetryCapMs;
      if (head.runAt <= runAt) continue;
      this.queue
        .pullIn(this.db, head.id, runAt)
        .then(() => {
          this.nextDue.forget();
          this.wake();
        })
        .catch((error: unknown) =>
          this.log.error({ err: error, deliveryId: head.id }, 'pulling in a retry failed'),
        );
    }
  }

  private async claim(capacity: number): Promise<ClaimedLane[]> {
    try {
      const now = this.options.clock();
      return await this.queue.claimLanes(this.db, {
        workerId: this.id,
        now,
        staleBefore: now - this.leaseMs,
        limit: capacity,
        depth: this.laneDepth,
        busy: new Set(this.lanes.keys()),
      });
    } catch (error) {
      this.log.error({ err: error }, 'claiming deliveries failed');
      return [];
    }
  }

  private startLane(claim: ClaimedLane, lookedAt: number): void {
    const last = claim.deliveries.at(-1) as ClaimedDelivery;
    const lane: Lane = {
      integrationId: claim.integrationId,
      waiting: [...claim.deliveries],
      lastGiven: last.id,
      integrationVersion: last.integrationVersion,
      unrecorded: [],
      recordFailed: false,
      leasedAt: this.options.clock(),
      drained: false,
      // Queued while the claim looked: its wake found no lane to notice yet.
      noticed: this.queuedSince(claim.integrationId, lookedAt),
      whole: claim.whole === true,
    };
    this.loneRetries.delete(claim.integrationId);
    const work = this.driver
      .drive(lane)
      .catch((error: unknown) =>
        this.log.error({ err: error, integrationId: lane.integrationId }, 'delivery failed unexpectedly'),
      )
      .finally(() => {
        const full = this.lanes.size >= this.maxInFlight;
        this.lanes.delete(lane.integrationId);
        // Nothing behind it, nothing queued since: a claim would find nothing (two queries).
        if (!lane.drained) this.nextDue.forget();
        if (!lane.drained || lane.noticed || full) this.wake();
      });
    this.lanes.set(lane.integrationId, { lane, work });
  }

  /**
   * Waits for a wake-up, the next due delivery or the poll interval. With every lane taken
   * (`lookAhead` false) only a lane's end can make room, and it wakes the loop: no query.
   */
  private async sleep(lookAhead: boolean): Promise<void> {
    let wait = this.pollMs;
    if (lookAhead) {
      try {
        const now = this.options.clock();
        const due = await this.nextDue.dueAt(now);
        // At least 1 ms: with synchronous SQLite, a loop never waiting on a timer starves sends.
        if (due !== undefined) wait = Math.max(1, Math.min(wait, due - now));
      } catch (error) {
        this.log.error({ err: error }, 'reading the delivery queue failed');
      }
    }
    if (this.woken) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = undefined;
  }
}
