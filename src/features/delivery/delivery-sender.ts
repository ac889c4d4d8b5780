import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database, Executor } from '../../db/schema.js';
import { remember } from '../../shared/bounded-cache.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { AuditEntry } from '../audit/audit-model.js';
import type { IntegrationDoc } from '../integrations/integration-model.js';
import type { AuditEntryCache } from './audit-entry-cache.js';
import type {
  ChannelRegistry,
  ChannelTarget,
  DeliveryChannel,
  DeliveryOutcome,
  ThrottleKey,
} from './delivery-channel.js';
import { IntegrationCache } from './integration-cache.js';
import type { HealthUpdate } from './integration-health-store.js';
import type { HttpResult, OutboundHttp } from './outbound-http.js';
import type { AttemptRecord, ClaimedDelivery, DeliveryQueue, FinishedSend } from './queue/delivery-queue.js';
import { blockedHeadRetryAt, nextAttemptAt } from './retry-schedule.js';
import { channelLimits, MemorySendThrottle, type SendThrottle } from './send-throttle.js';

/** Whether a lane goes on to its next delivery after one was processed. */
export type Next = 'next' | 'stop';

/** What became of one send, known as soon as the target answered. */
export interface Sent {
  readonly next: Next;
  /**
   * Settles once the attempt is recorded: the lane may send on before that (up to its window of
   * unrecorded sends). Rejected when it could not be recorded: the row keeps its lease.
   */
  readonly recorded: Promise<void>;
  /**
   * When a delivery that will be retried with nothing queued behind it is due again: if later
   * deliveries join its queue before then, the worker brings the retry forward to the cap.
   */
  readonly loneRetryAt?: number | undefined;
}

const nothingToRecord: Promise<void> = Promise.resolve();
const stopped: Sent = { next: 'stop', recorded: nothingToRecord };

/** Reads the integration a delivery goes to, and its sealed secret. */
export interface IntegrationReader {
  getById(db: Executor, id: string): Promise<StoredDocument<IntegrationDoc> | undefined>;
  getSecret(db: Executor, id: string): Promise<string | null | undefined>;
}

export interface DeliverySenderOptions {
  readonly db: Kysely<Database>;
  readonly integrations: IntegrationReader;
  readonly queue: Pick<DeliveryQueue, 'defer' | 'hasPendingBehind' | 'budgetStartedAt'>;
  readonly entries: AuditEntryCache;
  readonly secrets: SecretBox;
  readonly http: Pick<OutboundHttp, 'post'>;
  readonly log: Logger;
  /** Commits a finished send (batched with others); resolves once it is committed. */
  readonly finish: (send: FinishedSend) => Promise<void>;
  readonly retrySchedule: readonly number[];
  /** The longest wait before retrying a head that deliveries wait behind (`blockedHeadRetryAt`). */
  readonly blockedRetryCapMs: number;
  readonly channels: ChannelRegistry;
  /** Paces sends under the channels' limits; default: in this process's memory. */
  readonly throttle?: SendThrottle | undefined;
  readonly clock: () => number;
  readonly random?: (() => number) | undefined;
  readonly failureThreshold: number;
  readonly failureWindowMs: number;
}

/** Why a delivery ended without being sent, shown in the delivery log. */
const switchedOff = 'integration was switched off before this was sent';

type AttemptBase = Pick<AttemptRecord, 'deliveryId' | 'integrationId' | 'attempt' | 'at'>;
type Failure = Exclude<DeliveryOutcome, { outcome: 'delivered' }>;

/** The channel and target of a send, or why there cannot be one. */
type Resolved =
  | { readonly channel: DeliveryChannel; readonly target: ChannelTarget }
  | { readonly failure: Failure };

const permanent = (reason: string, markIntegrationError = true): Failure => ({
  outcome: 'permanent',
  markIntegrationError,
  reason,
});

/**
 * Sends one claimed delivery and records its attempt: paces it under the channel's limits,
 * builds and posts the request, and turns the answer into done, a retry on the configured
 * schedule, or a failure (counted in the integration's health).
 */
export class DeliverySender {
  private readonly throttle: SendThrottle;
  private readonly secretCache = new Map<string, string | undefined>();
  private readonly integrations: IntegrationCache;

  constructor(private readonly options: DeliverySenderOptions) {
    this.integrations = new IntegrationCache(options.integrations, options.clock);
    this.throttle = options.throttle ?? new MemorySendThrottle(channelLimits(options.channels));
  }

  /**
   * Sends one delivery and queues its attempt to be recorded; says whether the lane may go on
   * once the target has answered, without waiting for the record. `behind` is how many of the
   * lane's claimed deliveries wait behind this one.
   */
  async send(delivery: ClaimedDelivery, behind: number): Promise<Sent> {
    const { db, clock } = this.options;
    const now = clock();
    const integration = await this.integrations.get(db, delivery.integrationId, delivery.integrationVersion);
    if (integration === undefined) return stopped; // deleted with its queue
    const base: AttemptBase = {
      deliveryId: delivery.id,
      integrationId: delivery.integrationId,
      attempt: delivery.attempts + 1,
      at: now,
    };
    // Switching off means "stop talking to this room now": what was queued is dropped,
    // visibly, and can be re-sent from the delivery log.
    if (!integration.doc.on) return this.drop(base);
    const resolved = await this.resolve(integration);
    if ('failure' in resolved) return this.fail(base, behind, resolved.failure);
    const keys = resolved.channel.throttleKeys(resolved.target);
    const wait = keys.length === 0 ? 0 : await this.throttle.take(keys, now);
    if (wait > 0) {
      await this.options.queue.defer(db, delivery.id, now + wait);
      return stopped;
    }
    const entry = await this.options.entries.get(delivery.auditId);
    if (entry === undefined) return this.fail(base, behind, permanent('audit entry not found', false));
    return this.post(base, behind, resolved, keys, entry, integration.doc);
  }

  /** This process changed the integration: its next send reads it again. */
  forgetIntegration(id: string): void {
    this.integrations.forget(id);
  }

  private drop(base: AttemptBase): Sent {
    const recorded = this.options.finish({
      attempt: {
        ...base,
        outcome: 'dropped',
        statusCode: undefined,
        latencyMs: 0,
        errorClass: undefined,
        responseExcerpt: undefined,
      },
      update: { status: 'dropped', lastError: switchedOff },
      health: undefined,
    });
    return { next: 'next', recorded };
  }

  /** The integration's channel and its target with the opened secret. */
  private async resolve(integration: StoredDocument<IntegrationDoc>): Promise<Resolved> {
    const channel = this.options.channels.get(integration.scope);
    if (channel === undefined)
      return { failure: permanent(`no delivery channel for integrations of kind "${integration.scope}"`) };
    let secret: string | undefined;
    try {
      secret = await this.secretOf(integration.id, integration.version);
    } catch {
      return {
        failure: permanent('the stored secret cannot be decrypted (was SWITCHBOARD_SECRET_KEY changed?)'),
      };
    }
    const target: ChannelTarget = {
      id: integration.id,
      kind: integration.scope,
      name: integration.doc.name,
      config: integration.doc.config,
      secret,
    };
    return { channel, target };
  }

  /** Builds and posts the request, and records what the answer means. */
  private async post(
    base: AttemptBase,
    behind: number,
    { channel, target }: { readonly channel: DeliveryChannel; readonly target: ChannelTarget },
    keys: readonly ThrottleKey[],
    entry: AuditEntry,
    doc: IntegrationDoc,
  ): Promise<Sent> {
    let request: ReturnType<typeof channel.buildRequest>;
    try {
      request = channel.buildRequest(target, entry, { deliveryId: String(base.deliveryId), now: base.at });
    } catch (error) {
      // A custom template that fails on this entry: it will fail the same way next time.
      return this.fail(
        base,
        behind,
        permanent(`the message could not be built: ${(error as Error).message}`),
      );
    }
    const result = await this.options.http.post(request.url, request.headers, request.body);
    const outcome = channel.classify(result, this.options.clock());
    if (outcome.outcome === 'delivered') {
      const recorded = this.options.finish({
        attempt: this.attempt(base, 'delivered', result),
        update: { status: 'done' },
        health: this.health(true, result),
      });
      return { next: 'next', recorded };
    }
    if (outcome.outcome === 'retry' && outcome.notBefore !== undefined) {
      // The target said when to come back; nothing that shares its limits goes before then.
      // Not sharing it (the database is down) only means other workers hear their own 429.
      await this.throttle.blockUntil(keys, outcome.notBefore).catch((error: unknown) => {
        this.options.log.warn({ err: error, deliveryId: base.deliveryId }, 'keeping a 429 reset failed');
      });
    }
    return this.fail(base, behind, outcome, result, doc);
  }

  private async fail(
    base: AttemptBase,
    behind: number,
    outcome: Failure,
    result?: HttpResult | undefined,
    doc?: IntegrationDoc,
  ): Promise<Sent> {
    const retry =
      outcome.outcome === 'retry' ? await this.retryAt(base, behind, outcome.notBefore) : undefined;
    const retryAt = retry?.at;
    const attempt = this.attempt(base, retryAt === undefined ? 'failed' : 'retry', result, outcome.reason);
    const health = {
      ...this.health(false, result, outcome.reason),
      ...(outcome.outcome === 'permanent' && outcome.markIntegrationError
        ? { erroredReason: outcome.reason }
        : {}),
    };
    // A chat service that is down or refuses us is WARN: not our error, but someone should look.
    this.options.log.warn(
      {
        deliveryId: base.deliveryId,
        integrationId: base.integrationId,
        integration: doc?.name,
        attempt: base.attempt,
        reason: outcome.reason,
      },
      retryAt === undefined ? 'delivery failed for good' : 'delivery will be retried',
    );
    const recorded = this.options.finish({
      attempt,
      update:
        retryAt === undefined
          ? { status: 'dead', lastError: outcome.reason }
          : { status: 'pending', runAt: retryAt, lastError: outcome.reason },
      health,
    });
    // A retry keeps the room's later changes waiting behind it; a dead delivery does not.
    if (retry === undefined) return { next: 'next', recorded };
    return { next: 'stop', recorded, loneRetryAt: retry.blocking ? undefined : retry.at };
  }

  /**
   * When to retry: on the schedule, or, when later deliveries wait behind this one, at most the
   * cap away and dead only once the schedule's span has passed (`blockedHeadRetryAt`).
   * Undefined: out of retries.
   */
  private async retryAt(
    base: AttemptBase,
    behind: number,
    notBefore: number | undefined,
  ): Promise<{ readonly at: number; readonly blocking: boolean } | undefined> {
    const { db, queue, retrySchedule, clock, random, blockedRetryCapMs } = this.options;
    const now = clock();
    const blocking = behind > 0 || (await queue.hasPendingBehind(db, base.integrationId, base.deliveryId));
    if (!blocking) {
      const at = nextAttemptAt(retrySchedule, base.attempt, now, random, notBefore);
      return at === undefined ? undefined : { at, blocking };
    }
    const firstAttemptAt =
      base.attempt === 1 ? base.at : ((await queue.budgetStartedAt(db, base.deliveryId)) ?? base.at);
    const at = blockedHeadRetryAt(
      retrySchedule,
      base.attempt,
      { firstAttemptAt, now, capMs: blockedRetryCapMs, notBefore },
      random,
    );
    return at === undefined ? undefined : { at, blocking };
  }

  private attempt(
    base: AttemptBase,
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

  private health(success: boolean, result: HttpResult | undefined, reason?: string): HealthUpdate {
    return {
      success,
      at: this.options.clock(),
      statusCode: result?.kind === 'response' ? result.status : undefined,
      responseBody: result?.kind === 'response' ? result.bodyExcerpt || reason : (result?.message ?? reason),
      errorClass: result?.kind === 'error' ? result.errorClass : undefined,
      failureThreshold: this.options.failureThreshold,
      failureWindowMs: this.options.failureWindowMs,
    };
  }

  /**
   * The decrypted secret of an integration at a version: a changed secret always bumps the
   * version, so the cache cannot serve a stale one, and a busy room is not decrypted per send.
   */
  private async secretOf(id: string, version: number): Promise<string | undefined> {
    const key = `${id}:${version}`;
    if (this.secretCache.has(key)) return this.secretCache.get(key);
    const sealed = await this.options.integrations.getSecret(this.options.db, id);
    // An unsigned webhook has no secret; every other kind has one.
    const secret = sealed == null ? undefined : this.options.secrets.open(sealed, id);
    remember(this.secretCache, key, secret, 1_000);
    return secret;
  }
}
