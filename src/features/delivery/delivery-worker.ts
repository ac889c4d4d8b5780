import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { AuditEntry } from '../audit/audit-model.js';
import type { IntegrationDoc } from '../integrations/integration-model.js';
import type { Stores } from '../stores.js';
import type { ChannelRegistry, ChannelTarget, DeliveryOutcome, ThrottleKey } from './delivery-channel.js';
import type { HttpResult, OutboundHttp } from './outbound-http.js';
import type {
  AttemptRecord,
  ClaimedDelivery,
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
 * Sends queued deliveries: claims the head of each integration's queue (so every room hears its
 * changes in commit order), paces itself under HipChat's limits, records every attempt, and
 * retries on the configured schedule. At-least-once: a row is marked done only after a 2xx.
 */
export class DeliveryWorker {
  readonly id = `worker-${randomUUID()}`;
  /** One limiter per channel limit (HipChat room, HipChat token, Slack channel, …). */
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private running = false;
  private readonly secretCache = new Map<string, string | undefined>();
  private finished: { send: FinishedSend; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private readonly entryCache = new Map<string, AuditEntry>();
  private unlisten: (() => Promise<void>) | undefined;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private readonly maxInFlight: number;
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
    this.maxInFlight = options.maxInFlight ?? 32;
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
   * New deliveries for these integrations. When every one of them is already sending, there is
   * nothing to claim now (only a queue's head may go): that send's finish wakes the loop. This
   * spares a claim query per change while a busy room is sending (a quarter of the worker's time
   * with one room in bench/delivery).
   */
  wake(integrationIds: ReadonlySet<string>): void;
  wake(integrationIds?: ReadonlySet<string>): void {
    if (integrationIds !== undefined && integrationIds.size > 0) {
      let allBusy = true;
      for (const id of integrationIds) {
        if (!this.inFlight.has(id)) {
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
    await Promise.allSettled(this.inFlight.values());
    await this.unlisten?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      let claimed: ClaimedDelivery[] = [];
      const capacity = this.maxInFlight - this.inFlight.size;
      if (capacity > 0) {
        try {
          const now = this.options.clock();
          claimed = await this.outbox.claimHeads(
            this.db,
            this.id,
            now,
            now - this.leaseMs,
            capacity,
            new Set(this.inFlight.keys()),
          );
        } catch (error) {
          this.log.error({ err: error }, 'claiming deliveries failed');
        }
      }
      for (const delivery of claimed) {
        const work = this.process(delivery)
          .catch((error: unknown) =>
            this.log.error({ err: error, deliveryId: delivery.id }, 'delivery failed unexpectedly'),
          )
          .finally(() => {
            this.inFlight.delete(delivery.integrationId);
            this.wake();
          });
        this.inFlight.set(delivery.integrationId, work);
      }
      if (claimed.length === 0 && this.running && !this.woken) await this.sleep();
      // Let I/O callbacks run between rounds even when every round finds work.
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async sleep(): Promise<void> {
    let wait = this.pollMs;
    try {
      const now = this.options.clock();
      const due = await this.outbox.nextDueAt(this.db, now - this.leaseMs);
      // At least 1 ms: better-sqlite3 answers synchronously, so a loop that never waited on a
      // timer would starve the event loop (and with it the sends it is waiting for).
      if (due !== undefined) wait = Math.max(1, Math.min(wait, due - now));
    } catch (error) {
      this.log.error({ err: error }, 'reading the delivery queue failed');
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

  private async process(delivery: ClaimedDelivery): Promise<void> {
    const now = this.options.clock();
    const integration = await this.stores.integrations.getById(this.db, delivery.integrationId);
    if (integration === undefined) return; // deleted with its queue
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
      return;
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
      return;
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
      return;
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
      return;
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
      return;
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
      return;
    }
    const result = await this.http.post(request.url, request.headers, request.body);
    const outcome = channel.classify(result, this.options.clock());
    if (outcome.outcome === 'delivered') {
      await this.finish(
        this.attempt(base, 'delivered', result),
        { status: 'done' },
        this.health(true, result),
      );
      return;
    }
    if (outcome.outcome === 'retry' && outcome.notBefore !== undefined) {
      // The target said when to come back; nothing that shares its limits goes before then.
      for (const k of keys) this.limiter(k).blockUntil(k.key, outcome.notBefore);
    }
    await this.fail(base, delivery, outcome, result, integration.doc);
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
  ): Promise<void> {
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
      await this.outbox.finishMany(
        this.db,
        batch.map((b) => b.send),
      );
      for (const b of batch) b.resolve();
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
    remember(this.entryCache, auditId, entry, 2_000);
    return entry;
  }
}

/** A small bounded cache: past `limit` entries the oldest goes first. */
function remember<K, V>(cache: Map<K, V>, key: K, value: V, limit: number): void {
  if (cache.size >= limit) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
}
