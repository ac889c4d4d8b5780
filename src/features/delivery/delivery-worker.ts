import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.js';
import { remember } from '../../shared/bounded-cache.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { AuditEntry } from '../audit/audit-model.js';
import type { IntegrationDoc } from '../integrations/integration-model.js';
import type { Stores } from '../stores.js';
import type { ChannelRegistry, ChannelTarget, DeliveryOutcome, ThrottleKey } from './delivery-channel.js';
import type { HttpResult, OutboundHttp } from './outbound-http.js';
import type {
  AttemptRecord,
  ClaimedDelivery,
  ClaimedLane,
  DeliveryUpdate,
  FinishedSend,
  HealthUpdate,
  OutboxStore,
} from './outbox-store.js';
import { RateLimiter } from './rate-limiter.js';
import { nextAttemptAt } from './retry-schedule.js';

export interface DeliveryWorkerOptions {
  readonly retrySchedule: readonly number[];
  /** The delivery channels by integration kind (hipchat, slack, msteams, webhook). */
  readonly channels: ChannelRegistry;
  /** Whether another process may hold leases (PostgreSQL); if not, leases are freed at start. */
  readonly multiProcess: boolean;
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
  readonly listen?: (onNotice: () => void) => Promise<() => Promise<void>>;
}

/** Why a delivery ended without being sent, shown in the delivery log. */
const switchedOff = 'integration was switched off before this was sent';

/**
 * Audit entries kept in memory: every room hears a change within moments of the others, but a
 * busy room can be a thousand changes behind the API (primed entries must still be there).
 * A summary entry is a few KB.
 */
const entriesKept = 1_024;

/** Whether a lane goes on to its next delivery after one was processed. */
type Next = 'next' | 'stop';

/** One integration's claimed deliveries, sent in order by one loop. */
interface Lane {
  readonly integrationId: string;
  /** Claimed and leased, not yet sent. */
  readonly waiting: ClaimedDelivery[];
  leasedAt: number;
}

/**
 * Sends queued deliveries: claims the head of each integration's queue (so every room hears its
 * changes in commit order), paces itself under HipChat's limits, records every attempt, and
 * retries on the configured schedule. At-least-once: a row is marked done only after a 2xx.
 */
export class DeliveryWorker {
  readonly id = `worker-${randomUUID()}`;
  /** One limiter per channel limit (HipChat room, HipChat token, Slack channel, …). */
  private readonly limiters = new Map<string, RateLimiter>();
  /** Integrations being sent to, each by its own loop; at most `maxInFlight`. */
  private readonly lanes = new Map<string, { lane: Lane; work: Promise<void> }>();
  private running = false;
  private readonly secretCache = new Map<string, string | undefined>();
  private finished: { send: FinishedSend; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private readonly entryCache = new Map<string, AuditEntry>();
  private unlisten: (() => Promise<void>) | undefined;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly maxInFlight: number;
  private readonly laneDepth: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly stores: Stores,
    private readonly outbox: OutboxStore,
    private readonly secrets: SecretBox,
    private readonly http: OutboundHttp,
    private readonly log: Logger,
    private readonly options: DeliveryWorkerOptions,
  ) {
    for (const channel of options.channels.values()) {
      for (const l of channel.limits) this.limiters.set(l.limiter, new RateLimiter(l.limit, l.windowMs));
    }
    this.maxInFlight = options.maxInFlight ?? 64;
    this.laneDepth = options.laneDepth ?? 16;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 1_000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (!this.options.multiProcess) await this.outbox.releaseAllLeases(this.db);
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
      let claimed: ClaimedLane[] = [];
      const capacity = this.maxInFlight - this.lanes.size;
      if (capacity > 0) {
        try {
          const now = this.options.clock();
          claimed = await this.outbox.claimLanes(
            this.db,
            this.id,
            now,
            now - this.leaseMs,
            capacity,
            this.laneDepth,
            new Set(this.lanes.keys()),
          );
        } catch (error) {
          this.log.error({ err: error }, 'claiming deliveries failed');
        }
      }
      for (const claim of claimed) this.startLane(claim);
      if (claimed.length === 0 && this.running && !this.woken) await this.sleep(capacity > 0);
      // Let I/O callbacks run between rounds even when every round finds work.
      else await new Promise((resolve) => setImmediate(resolve));
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
          await this.outbox.renewLease(
            this.db,
            lane.waiting.map((d) => d.id),
            this.id,
            now,
          );
          lane.leasedAt = now;
        }
        let next: Next = 'stop';
        try {
          next = await this.process(delivery);
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
        await this.outbox.release(
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
        const due = await this.outbox.nextDueAt(this.db, now - this.leaseMs);
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

  /** Sends one delivery and records the attempt; says whether the lane may go on. */
  private async process(delivery: ClaimedDelivery): Promise<Next> {
    const now = this.options.clock();
    const integration = await this.stores.integrations.getById(this.db, delivery.integrationId);
    if (integration === undefined) return 'stop'; // deleted with its queue
    const attempt = delivery.attempts + 1;
    const base = { deliveryId: delivery.id, integrationId: delivery.integrationId, attempt, at: now };

    if (!integration.doc.on) {
      // Switching off means "stop talking to this room now": what was queued is dropped,
      // visibly, and can be re-sent from the delivery log.
      await this.finish(
        {
          ...base,
          outcome: 'dropped',
          statusCode: undefined,
          latencyMs: 0,
          errorClass: undefined,
          responseExcerpt: undefined,
        },
        { status: 'dropped', lastError: switchedOff },
        undefined,
      );
      return 'next';
    }

    const channel = this.options.channels.get(integration.scope);
    if (channel === undefined) {
      const reason = `no delivery channel for integrations of kind "${integration.scope}"`;
      await this.fail(
        base,
        delivery,
        { outcome: 'permanent', markIntegrationError: true, reason },
        undefined,
      );
      return 'next';
    }

    let secret: string | undefined;
    try {
      secret = await this.secretOf(integration.id, integration.version);
    } catch {
      const reason = 'the stored secret cannot be decrypted (was SWITCHBOARD_SECRET_KEY changed?)';
      await this.fail(
        base,
        delivery,
        { outcome: 'permanent', markIntegrationError: true, reason },
        undefined,
      );
      return 'next';
    }
    const target: ChannelTarget = {
      id: integration.id,
      kind: integration.scope,
      name: integration.doc.name,
      config: integration.doc.config,
      secret,
    };

    const keys = channel.throttleKeys(target);
    const wait = Math.max(0, ...keys.map((k) => this.limiter(k).waitMs(k.key, now)));
    if (wait > 0) {
      await this.outbox.defer(this.db, delivery.id, now + wait);
      return 'stop';
    }
    for (const k of keys) this.limiter(k).take(k.key, now);

    const entry = await this.entry(delivery.auditId);
    if (entry === undefined) {
      await this.fail(
        base,
        delivery,
        { outcome: 'permanent', markIntegrationError: false, reason: 'audit entry not found' },
        undefined,
      );
      return 'next';
    }
    let request: ReturnType<typeof channel.buildRequest>;
    try {
      request = channel.buildRequest(target, entry, { deliveryId: String(delivery.id), now });
    } catch (error) {
      // A custom template that fails on this entry: it will fail the same way next time.
      const reason = `the message could not be built: ${(error as Error).message}`;
      await this.fail(
        base,
        delivery,
        { outcome: 'permanent', markIntegrationError: true, reason },
        undefined,
      );
      return 'next';
    }
    const result = await this.http.post(request.url, request.headers, request.body);
    const outcome = channel.classify(result, this.options.clock());
    if (outcome.outcome === 'delivered') {
      await this.finish(
        this.attempt(base, 'delivered', result),
        { status: 'done' },
        this.health(true, result),
      );
      return 'next';
    }
    if (outcome.outcome === 'retry' && outcome.notBefore !== undefined) {
      // The target said when to come back; nothing that shares its limits goes before then.
      for (const k of keys) this.limiter(k).blockUntil(k.key, outcome.notBefore);
    }
    return this.fail(base, delivery, outcome, result, integration.doc);
  }

  private limiter(key: ThrottleKey): RateLimiter {
    let limiter = this.limiters.get(key.limiter);
    if (limiter === undefined) {
      limiter = new RateLimiter(0, 1);
      this.limiters.set(key.limiter, limiter);
    }
    return limiter;
  }

  private async fail(
    base: Pick<AttemptRecord, 'deliveryId' | 'integrationId' | 'attempt' | 'at'>,
    delivery: ClaimedDelivery,
    outcome: Exclude<DeliveryOutcome, { outcome: 'delivered' }>,
    result: HttpResult | undefined,
    doc?: IntegrationDoc,
  ): Promise<Next> {
    const retryAt =
      outcome.outcome === 'retry'
        ? nextAttemptAt(
            this.options.retrySchedule,
            base.attempt,
            this.options.clock(),
            this.options.random,
            outcome.notBefore,
          )
        : undefined;
    const attempt = this.attempt(base, retryAt === undefined ? 'failed' : 'retry', result, outcome.reason);
    const health = {
      ...this.health(false, result, outcome.reason),
      ...(outcome.outcome === 'permanent' && outcome.markIntegrationError
        ? { erroredReason: outcome.reason }
        : {}),
    };
    // A chat service that is down or refuses us is WARN: not our error, but someone should look.
    this.log.warn(
      {
        deliveryId: delivery.id,
        integrationId: delivery.integrationId,
        integration: doc?.name,
        attempt: base.attempt,
        reason: outcome.reason,
      },
      retryAt === undefined ? 'delivery failed for good' : 'delivery will be retried',
    );
    await this.finish(
      attempt,
      retryAt === undefined
        ? { status: 'dead', lastError: outcome.reason }
        : { status: 'pending', runAt: retryAt, lastError: outcome.reason },
      health,
    );
    // A retry keeps the room's later changes waiting behind it; a dead delivery does not.
    return retryAt === undefined ? 'next' : 'stop';
  }

  private attempt(
    base: Pick<AttemptRecord, 'deliveryId' | 'integrationId' | 'attempt' | 'at'>,
    outcome: AttemptRecord['outcome'],
    result: HttpResult | undefined,
    reason?: string,
  ): AttemptRecord {
    return {
      ...base,
      outcome,
      statusCode: result?.kind === 'response' ? result.status : undefined,
      latencyMs: result?.latencyMs ?? 0,
      errorClass: result?.kind === 'error' ? result.errorClass : undefined,
      responseExcerpt:
        result?.kind === 'response' ? result.bodyExcerpt || reason : (result?.message ?? reason),
    };
  }

  private health(success: boolean, result: HttpResult | undefined, reason?: string) {
    return {
      success,
      at: this.options.clock(),
      statusCode: result?.kind === 'response' ? result.status : undefined,
      responseBody: result?.kind === 'response' ? result.bodyExcerpt || reason : (result?.message ?? reason),
      failureThreshold: this.options.failureThreshold ?? 10,
      failureWindowMs: this.options.failureWindowMs ?? 60 * 60_000,
    };
  }

  /** Queues a finished send for the next batched commit and resolves once it is committed. */
  private finish(
    attempt: AttemptRecord,
    update: DeliveryUpdate,
    health: HealthUpdate | undefined,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      this.finished.push({ send: { attempt, update, health }, resolve, reject });
      if (this.finished.length === 1) setImmediate(() => void this.flushFinished());
    });
  }

  private async flushFinished(): Promise<void> {
    const batch = this.finished;
    this.finished = [];
    try {
      const results = await this.outbox.finishMany(
        this.db,
        batch.map((b) => b.send),
      );
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') batch[i]?.resolve();
        else batch[i]?.reject(r.reason);
      });
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }

  /**
   * The decrypted secret of an integration at a version: a changed secret always bumps the
   * version, so the cache cannot serve a stale one, and a busy room is not decrypted per send.
   */
  private async secretOf(id: string, version: number): Promise<string | undefined> {
    const key = `${id}:${version}`;
    if (this.secretCache.has(key)) return this.secretCache.get(key);
    const sealed = await this.stores.integrations.getSecret(this.db, id);
    // An unsigned webhook has no secret; every other kind has one.
    const secret = sealed == null ? undefined : this.secrets.open(sealed, id);
    remember(this.secretCache, key, secret, 1_000);
    return secret;
  }

  /**
   * An entry this process has just written, handed over so its deliveries need not read it
   * back. Harmless if the change then rolls back: no delivery of it will ever be claimed.
   */
  prime(entry: AuditEntry): void {
    remember(this.entryCache, entry._id, entry, entriesKept);
  }

  /** Audit entries never change: one read serves every integration that hears the change. */
  private async entry(auditId: string): Promise<AuditEntry | undefined> {
    const cached = this.entryCache.get(auditId);
    if (cached !== undefined) return cached;
    const row = await this.db
      .selectFrom('audit_entries')
      .select('entry')
      .where('id', '=', auditId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const entry = JSON.parse(row.entry) as AuditEntry;
    remember(this.entryCache, auditId, entry, entriesKept);
    return entry;
  }
}
