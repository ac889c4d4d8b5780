import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import type { DatabaseHandle } from './db/database.js';
import type { Database } from './db/schema.js';
import { DeliveryThread, type DeliveryTimeouts } from './delivery-thread.js';
import { AuditRetention } from './features/audit/audit-retention.js';
import type { AuditStore } from './features/audit/audit-store.js';
import type { DeliveryChannel } from './features/delivery/delivery-channel.js';
import { listenForDeliveries } from './features/delivery/delivery-fan-out.js';
import { DeliveryRetention } from './features/delivery/delivery-retention.js';
import type { IntegrationReader } from './features/delivery/delivery-sender.js';
import { DeliveryWorker } from './features/delivery/delivery-worker.js';
import { OutboundHttp } from './features/delivery/outbound-http.js';
import type { DeliveryQueue } from './features/delivery/queue/delivery-queue.js';
import { sendThrottleFor } from './features/delivery/queue/delivery-queue-for.js';
import { integrationKinds } from './features/integrations/kinds/index.js';
import type { Metrics } from './http/metrics.js';
import type { Clock } from './shared/ids.js';
import type { SecretBox } from './shared/secret-box.js';

/**
 * The delivery side of the composition, shared by the composition root (a worker on the API's
 * event loop, or none) and the delivery thread (`delivery-thread-main.ts`, a worker of its own):
 * both build it from the same configuration, so they send alike.
 */

export function outboundHttpFor(config: Config, timeouts: DeliveryTimeouts | undefined): OutboundHttp {
  return new OutboundHttp({
    allowPrivateTargets: config.allowPrivateTargets,
    ...(timeouts === undefined
      ? {}
      : { connectTimeoutMs: timeouts.connectMs, totalTimeoutMs: timeouts.totalMs }),
  });
}

/** One channel per integration kind: how to build, send, classify and pace its messages. */
export function deliveryChannels(config: Config, baseUrl: () => string): Map<string, DeliveryChannel> {
  return new Map(integrationKinds.map((kind) => [kind.kind, kind.channel({ config, baseUrl })]));
}

export interface DeliveryWorkerParts {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly queue: DeliveryQueue;
  readonly integrations: IntegrationReader;
  readonly secrets: SecretBox;
  readonly http: OutboundHttp;
  readonly channels: Map<string, DeliveryChannel>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Tests lengthen the fallback poll. */
  readonly pollMs: number | undefined;
}

export function composeDeliveryWorker(parts: DeliveryWorkerParts): DeliveryWorker {
  const { config, database } = parts;
  const log = parts.log.child({ component: 'delivery' });
  return new DeliveryWorker({
    db: database.db,
    queue: parts.queue,
    integrations: parts.integrations,
    secrets: parts.secrets,
    http: parts.http,
    log,
    retrySchedule: config.retrySchedule,
    blockedRetryCapMs: config.blockedRetryCapMs,
    unrecordedWindow: config.unrecordedWindow,
    channels: parts.channels,
    throttle: sendThrottleFor(database.db, parts.channels),
    clock: parts.clock,
    listen: listenForDeliveries(database.notifier, log),
    pollMs: parts.pollMs,
  });
}

/**
 * This process's delivery: a thread of its own where the database allows a second connection
 * (`capabilities.deliveryThread`, a SQLite file) and `threaded` is not turned off; otherwise a
 * worker on the API's event loop.
 */
export function deliveryFor(
  parts: DeliveryWorkerParts & {
    readonly threaded: boolean;
    readonly timeouts: DeliveryTimeouts | undefined;
    readonly baseUrl: () => string;
  },
): DeliveryWorker | DeliveryThread {
  if (!parts.threaded || !parts.database.capabilities.deliveryThread) return composeDeliveryWorker(parts);
  const { config, log, timeouts, pollMs } = parts;
  return new DeliveryThread(
    {
      config,
      baseUrl: parts.baseUrl(),
      logLevel: log.level,
      timeouts,
      pollMs,
      writeTurns: parts.database.writeTurns,
    },
    log.child({ component: 'delivery' }),
  );
}

/** The retention pruners a process that delivers runs: finished deliveries, and old audit entries. */
export class Retention {
  constructor(
    readonly deliveries: DeliveryRetention,
    readonly audit: AuditRetention,
  ) {}

  start(): void {
    this.deliveries.start();
    this.audit.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.deliveries.stop(), this.audit.stop()]);
  }
}

export function retentionFor(parts: {
  readonly config: Config;
  readonly db: Kysely<Database>;
  readonly queue: DeliveryQueue;
  readonly audit: AuditStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}): Retention {
  const { config, metrics, db, clock } = parts;
  const log = parts.logger.child({ component: 'retention' });
  return new Retention(
    new DeliveryRetention({
      ...{ db, clock, log, queue: parts.queue },
      ...metrics.watchRetention('delivery', config.deliveryRetentionDays),
    }),
    new AuditRetention({
      ...{ db, clock, log, audit: parts.audit },
      ...metrics.watchRetention('audit', config.auditRetentionDays),
    }),
  );
}
