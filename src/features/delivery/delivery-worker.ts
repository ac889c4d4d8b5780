import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { AuditEntry } from '../audit/audit-model.js';
import { AuditEntryCache } from './audit-entry-cache.js';
import type { ChannelRegistry } from './delivery-channel.js';
import { DeliverySender, type IntegrationReader, type Next } from './delivery-sender.js';
import { FinishBatch } from './finish-batch.js';
import type { OutboundHttp } from './outbound-http.js';
import type { ClaimedDelivery, ClaimedLane, DeliveryQueue } from './queue/delivery-queue.js';

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
  readonly clock: () => number;
  readonly random?: () => number;
  /** Deliveries sent at once, each to a different integration. */
  readonly maxInFlight?: number;
  /**
   * Deliveries of one integration claimed together and then sent one after another, each after
   * the previous one is recorded: one claim query serves that many sends to a busy room.
   */
  readonly laneDepth?: number;
  /** A claim older than this is someone else's crash: it may be taken again. */
  readonly leaseMs?: number;
  /** Fallback poll when nothing wakes the worker. */
  readonly pollMs?: number;
  /** Consecutive failed attempts, lasting at least `failureWindowMs`, that mark an integration in error. */
  readonly failureThreshold?: number;
  readonly failureWindowMs?: number;
  /** Subscribes to "new deliveries" from other processes (PostgreSQL LISTEN); polling covers gaps. */
  readonly listen?: ((onNotice: () => void) => Promise<() => Promise<void>>) | undefined;
}

/** One integration's claimed deliveries, sent in order by one loop. */
interface Lane {
  readonly integrationId: string;
  /** Claimed and leased, not yet sent. */
  readonly waiting: ClaimedDelivery[];
  leasedAt: number;
}

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
  private unlisten: (() => Promise<void>) | undefined;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly maxInFlight: number;
  private readonly laneDepth: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.db = options.db;
    this.queue = options.queue;
    this.log = options.log;
    this.entries = new AuditEntryCache(options.db);
    const batch = new FinishBatch(options.db, options.queue);
    this.sender = new DeliverySender({
      ...options,
      entries: this.entries,
      finish: (send) => batch.finish(send),
      failureThreshold: options.failureThreshold ?? 10,
      failureWindowMs: options.failureWindowMs ?? 60 * 60_000,
    });
    this.maxInFlight = options.maxInFlight ?? 64;
    this.laneDepth = options.laneDepth ?? 16;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 1_000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.queue.recoverLeases(this.db);
    if (this.options.listen !== undefined) this.unlisten = await this.options.listen(() => this.wake());
    this.running = true;
    this.loop = this.run();
  }

  /** Something was queued: look now instead of at the next poll. */
  wake(): void;
  /**
   * New deliveries for these integrations. When every one of them is already being sent to,
   * there is nothing to claim now (only a queue's head may go): that lane's end wakes the loop.
   * This spares a claim query per change while a busy room is sending (a quarter of the
   * worker's time with one room in bench/delivery).
   */
  wake(integrationIds: ReadonlySet<string>): void;
  wake(integrationIds?: ReadonlySet<string>): void {
    if (integrationIds !== undefined && integrationIds.size > 0) {
      let allBusy = true;
      for (const id of integrationIds) {
        if (!this.lanes.has(id)) {
          allBusy = false;
          break;
        }
      }
      if (allBusy) return;
    }
    this.woken = true;
    this.wakeUp?.();
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
      const claimed = capacity > 0 ? await this.claim(capacity) : [];
      for (const claim of claimed) this.startLane(claim);
      if (claimed.length === 0 && this.running && !this.woken) await this.sleep(capacity > 0);
      // Let I/O callbacks run between rounds even when every round finds work.
      else await new Promise((resolve) => setImmediate(resolve));
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

  private startLane(claim: ClaimedLane): void {
    const lane: Lane = {
      integrationId: claim.integrationId,
      waiting: [...claim.deliveries],
      leasedAt: this.options.clock(),
    };
    const work = this.drive(lane)
      .catch((error: unknown) =>
        this.log.error({ err: error, integrationId: lane.integrationId }, 'delivery failed unexpectedly'),
      )
      .finally(() => {
        this.lanes.delete(lane.integrationId);
        this.wake();
      });
    this.lanes.set(lane.integrationId, { lane, work });
  }

  /**
   * Sends a lane's deliveries in order, each only after the one before it is recorded, so a
   * crash re-sends at most the one send in flight. A retry, a throttle or a stop ends the lane
   * early and gives the rest back to the queue.
   */
  private async drive(lane: Lane): Promise<void> {
    try {
      while (this.running && lane.waiting.length > 0) {
        const delivery = lane.waiting[0] as ClaimedDelivery;
        const now = this.options.clock();
        if (now - lane.leasedAt > this.leaseMs / 2) {
          // A slow room (rate limits) can take longer than a lease: renew before it goes stale.
          await this.queue.renewLease(this.db, {
            ids: lane.waiting.map((d) => d.id),
            workerId: this.id,
            now,
          });
          lane.leasedAt = now;
        }
        let next: Next = 'stop';
        try {
          next = await this.sender.send(delivery);
        } catch (error) {
          // Left leased: the lease's expiry brings it back, after whatever went wrong here.
          this.log.error({ err: error, deliveryId: delivery.id }, 'delivery failed unexpectedly');
        }
        lane.waiting.shift();
        if (next === 'stop') break;
      }
    } finally {
      // Unsent deliveries go back to the queue for the next claim (or another worker).
      if (lane.waiting.length > 0) {
        await this.queue.release(
          this.db,
          lane.waiting.map((d) => d.id),
          this.id,
        );
      }
    }
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
        const due = await this.queue.nextDueAt(this.db, now - this.leaseMs);
        // At least 1 ms: better-sqlite3 answers synchronously, so a loop that never waited on a
        // timer would starve the event loop (and with it the sends it is waiting for).
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
