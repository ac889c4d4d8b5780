import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.js';
import type { AuditEntryCache } from './audit-entry-cache.js';
import type { DeliverySender, Sent } from './delivery-sender.js';
import type { ClaimedDelivery, DeliveryQueue } from './queue/delivery-queue.js';

/** One integration's claimed deliveries, sent in order by one loop. */
export interface Lane {
  readonly integrationId: string;
  /** Claimed and leased, not yet sent. */
  readonly waiting: ClaimedDelivery[];
  /** The last row the lane was given: it goes on after it (`extend`). */
  lastGiven: number;
  /** The integration's version its claim saw. */
  readonly integrationVersion: number;
  /** Sent, with their records not yet committed (at most `unrecordedWindow`). */
  readonly unrecorded: { readonly id: number; readonly recorded: Promise<void> }[];
  /** A record failed: the lane sends nothing more (the row's lease brings it back). */
  recordFailed: boolean;
  leasedAt: number;
  /** Its last look found nothing behind (`LaneExtended.drained`); a change was queued since. */
  drained: boolean;
  /** A change may have been queued for its integration since its last look (the claim, or an extension) began. */
  noticed: boolean;
  /** That look saw the end of its queue (`ClaimedLane.whole`, `LaneExtended.whole`). */
  whole: boolean;
}

/** What a lane's loop needs of its worker. */
export interface LaneParts {
  readonly db: Kysely<Database>;
  readonly queue: DeliveryQueue;
  readonly sender: Pick<DeliverySender, 'send'>;
  readonly entries: Pick<AuditEntryCache, 'prefetch'>;
  readonly log: Logger;
  readonly clock: () => number;
  readonly workerId: string;
  readonly leaseMs: number;
  readonly laneDepth: number;
  readonly unrecordedWindow: number;
  /** False once the worker stops: the lane ends after the send in flight. */
  readonly running: () => boolean;
  /** A mark of the changes queued so far, in this process's wakes; it only grows. */
  readonly queueMark: () => number;
  /**
   * A head sent at mark `sentAt` (`queueMark`) failed with nothing behind it, due again at `runAt` (see
   * `DeliveryWorker.wake`); known once its record has committed.
   */
  readonly onLoneRetry: (integrationId: string, deliveryId: number, runAt: number, sentAt: number) => void;
}

/**
 * One lane's loop (see `DeliveryWorker`, which claims lanes and starts them): sends, records
 * within the unrecorded window, extends the lane with what was queued behind it, renews its
 * lease, and gives back what it did not send.
 */
export class LaneDriver {
  constructor(private readonly parts: LaneParts) {}

  /**
   * Sends a lane's deliveries in order, each once the one before it was answered, with at most
   * `unrecordedWindow` sends whose records are still being committed (so a crash re-sends at
   * most that many), going on with what was queued behind it meanwhile (`extend`). A retry, a
   * throttle, a failed record or a stop ends it; once every record has settled, the unsent rest
   * goes back to the queue.
   */
  async drive(lane: Lane): Promise<void> {
    try {
      await this.prefetchEntries(lane);
      while (this.parts.running() && !lane.recordFailed) {
        if (lane.waiting.length === 0 && (this.sawTheEnd(lane) || !(await this.extend(lane)))) break;
        while (lane.unrecorded.length >= this.parts.unrecordedWindow) await lane.unrecorded.shift()?.recorded;
        if (lane.recordFailed) break;
        await this.renewIfOld(lane);
        const delivery = lane.waiting[0] as ClaimedDelivery;
        const sentAt = this.parts.queueMark();
        let sent: Sent = { next: 'stop', recorded: Promise.resolve() };
        try {
          sent = await this.parts.sender.send(delivery, lane.waiting.length - 1);
        } catch (error) {
          // Left leased: the lease's expiry brings it back, after whatever went wrong here.
          this.parts.log.error({ err: error, deliveryId: delivery.id }, 'delivery failed unexpectedly');
        }
        lane.waiting.shift();
        const recorded = this.settled(lane, delivery.id, sent.recorded);
        lane.unrecorded.push({ id: delivery.id, recorded });
        const runAt = sent.loneRetryAt;
        // Known once recorded: until then the row is leased, and a pull-in would not move it.
        if (runAt !== undefined)
          void recorded.then(() => {
            if (!lane.recordFailed) this.parts.onLoneRetry(lane.integrationId, delivery.id, runAt, sentAt);
          });
        if (sent.next === 'stop') break;
      }
    } finally {
      await Promise.all(lane.unrecorded.map((u) => u.recorded));
      // Unsent deliveries go back to the queue for the next claim (or another worker).
      const unsent = lane.waiting.map((d) => d.id);
      if (unsent.length > 0) await this.parts.queue.release(this.parts.db, unsent, this.parts.workerId);
    }
  }

  /**
   * Whether the lane has sent what there was: its last look saw the end of its queue and no
   * change was queued for its integration since that look began. Another look would find
   * nothing (on PostgreSQL, a round trip per lane, as many as there are changes at one client),
   * so the lane ends as drained. A change committed after the look's snapshot was queued after
   * it began, and its wake notices the lane; one from another process whose notice comes later wakes a
   * claim as usual.
   */
  private sawTheEnd(lane: Lane): boolean {
    if (!lane.whole || lane.noticed) return false;
    lane.drained = true;
    return true;
  }

  /**
   * What was queued behind the lane meanwhile, leased to it while it holds its last row: a busy
   * lane goes on without a claim (five statements on PostgreSQL, this one). False when nothing
   * is due behind it or reading failed: the lane ends, and the next claim finds what is left
   * (unless the queue said it was drained: then there is nothing, see `startLane`).
   */
  private async extend(lane: Lane): Promise<boolean> {
    const now = this.parts.clock();
    lane.noticed = false; // A change committed after this look's snapshot notices it again.
    lane.whole = false;
    try {
      const extended = await this.parts.queue.extendLane(this.parts.db, {
        integrationId: lane.integrationId,
        afterId: lane.lastGiven,
        integrationVersion: lane.integrationVersion,
        workerId: this.parts.workerId,
        now,
        staleBefore: now - this.parts.leaseMs,
        depth: this.parts.laneDepth,
      });
      const more = extended.deliveries;
      const last = more.at(-1);
      lane.drained = extended.drained;
      lane.whole = extended.whole;
      if (last === undefined) return false;
      lane.waiting.push(...more);
      lane.lastGiven = last.id;
      await this.prefetchEntries(lane);
      return true;
    } catch (error) {
      this.parts.log.error({ err: error, integrationId: lane.integrationId }, 'extending a lane failed');
      return false;
    }
  }

  /** The lane's audit entries in one read; a failure here only means each is read as it is sent. */
  private async prefetchEntries(lane: Lane): Promise<void> {
    if (lane.waiting.length < 2) return;
    try {
      await this.parts.entries.prefetch(lane.waiting.map((d) => d.auditId));
    } catch (error) {
      this.parts.log.warn(
        { err: error, integrationId: lane.integrationId },
        'reading audit entries ahead failed',
      );
    }
  }

  /**
   * A send's record, never rejecting. One that failed (after `finishMany`'s own retry) leaves its
   * row leased and pending, for the lease's expiry to send again (a repeat, within the window).
   */
  private settled(lane: Lane, id: number, recorded: Promise<void>): Promise<void> {
    return recorded.catch((error: unknown) => {
      lane.recordFailed = true;
      this.parts.log.error({ err: error, deliveryId: id }, 'recording a delivery failed');
    });
  }

  /** A slow room (rate limits) can take longer than a lease: renew before it goes stale. */
  private async renewIfOld(lane: Lane): Promise<void> {
    const now = this.parts.clock();
    if (now - lane.leasedAt <= this.parts.leaseMs / 2) return;
    await this.parts.queue.renewLease(this.parts.db, {
      ids: [...lane.unrecorded.map((u) => u.id), ...lane.waiting.map((d) => d.id)],
      workerId: this.parts.workerId,
      now,
    });
    lane.leasedAt = now;
  }
}
