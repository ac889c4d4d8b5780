import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import client from 'prom-client';
import { UnauthorizedError } from '../errors/app-errors.js';
import { errorHandler } from '../errors/http-error-mapper.js';
import type { TypedApp } from './typed-app.js';

/** Prometheus metrics with a registry per app, so tests can build several apps in one process. */
export class Metrics {
  readonly registry = new client.Registry();
  private readonly requests = new client.Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly auditEntries = new client.Counter({
    name: 'switchboard_audit_entries_total',
    help: 'Audit entries written',
    registers: [this.registry],
  });
  /** SDK analytics payloads (`POST /bulk`) by outcome: counted, duplicate (a retry) or rejected. */
  readonly sdkEventPayloads = new client.Counter({
    name: 'switchboard_sdk_event_payloads_total',
    help: 'SDK analytics event payloads received, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  /** Evaluations an SDK reported that were not counted: the counting queue was full. */
  readonly sdkEvaluationsDropped = new client.Counter({
    name: 'switchboard_sdk_evaluations_dropped_total',
    help: 'SDK-reported flag evaluations dropped because the counting queue was full',
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
  }

  /** Open SDK streams and those dropped for not reading, read from the data plane when scraped. */
  watchSdkStreams(plane: { streamCount(): number; readonly dropped: number }): void {
    new client.Gauge({
      name: 'switchboard_sdk_streams',
      help: 'SDK streams (GET /all) open on this node',
      registers: [this.registry],
      collect() {
        this.set(plane.streamCount());
      },
    });
    new client.Gauge({
      name: 'switchboard_sdk_streams_dropped',
      help: 'SDK streams dropped since start because their client stopped reading',
      registers: [this.registry],
      collect() {
        this.set(plane.dropped);
      },
    });
  }

  /**
   * Client-side SDK streams (`/eval`, `/meval`): open streams, the distinct contexts they are
   * evaluated for (the work a change costs), and those dropped for not reading.
   */
  watchClientStreams(clients: {
    streamCount(): number;
    contextCount(): number;
    readonly dropped: number;
  }): void {
    const gauges: [string, string, () => number][] = [
      [
        'switchboard_sdk_client_streams',
        'Client-side SDK streams (/eval, /meval) open on this node',
        () => clients.streamCount(),
      ],
      [
        'switchboard_sdk_client_stream_contexts',
        'Distinct contexts the open client-side streams are evaluated for on every change',
        () => clients.contextCount(),
      ],
      [
        'switchboard_sdk_client_streams_dropped',
        'Client-side SDK streams dropped since start because their client stopped reading',
        () => clients.dropped,
      ],
    ];
    for (const [name, help, read] of gauges) {
      new client.Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    }
  }

  /** LISTEN connections lost (PostgreSQL), by channel: each is opened again (db/lasting-listen.ts). */
  watchListens(notifier: { readonly lostListens: ReadonlyMap<string, number> } | undefined): void {
    if (notifier === undefined) return;
    new client.Gauge({
      name: 'switchboard_listen_connections_lost',
      help: 'LISTEN connections lost since start (broken, or silent past SWITCHBOARD_LISTEN_CHECK), by channel',
      labelNames: ['channel'] as const,
      registers: [this.registry],
      collect() {
        for (const [channel, count] of notifier.lostListens) this.set({ channel }, count);
      },
    });
  }

  /**
   * A retention pruner's figures: the days its rows are kept (0: for ever), the rows it has
   * deleted, and when its last pass ended. Returns what the pruner reports to.
   */
  watchRetention(
    subject: 'delivery' | 'audit',
    days: number,
  ): { readonly days: number; onPruned(count: number): void; onPass(at: number): void } {
    const rows = subject === 'delivery' ? 'Finished deliveries (with their attempts)' : 'Audit entries';
    new client.Gauge({
      name: `switchboard_${subject}_retention_days`,
      help: `Days ${rows.toLowerCase()} are kept before they are pruned (0: kept for ever)`,
      registers: [this.registry],
    }).set(days);
    const pruned = new client.Counter({
      name: `switchboard_${subject}_pruned_total`,
      help: `${rows} deleted because they were past retention`,
      registers: [this.registry],
    });
    const lastPass = new client.Gauge({
      name: `switchboard_${subject}_last_prune_timestamp_seconds`,
      help: `When the last pass of the ${subject} pruner ended (Unix time; 0 before the first)`,
      registers: [this.registry],
    });
    return {
      days,
      onPruned: (count) => pruned.inc(count),
      onPass: (at) => lastPass.set(at / 1000),
    };
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  instrument(app: TypedApp): void {
    app.addHook('onResponse', async (request, reply) => {
      this.requests.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
  }
}

/**
 * Whether an Authorization header carries `Bearer <token>`. Both sides are hashed before the
 * constant-time comparison, so neither the token nor its length shows in the response time.
 */
export function hasBearerToken(authorization: string | undefined, token: string): boolean {
  const presented = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
  if (presented === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/**
 * Registers `GET /metrics`. The metrics name every route with its traffic and error rate and the
 * process's memory, so without a token only those who can reach the listener read them: the
 * separate metrics port, which the operator keeps off the public network.
 */
export function registerMetricsRoute(
  app: FastifyInstance,
  metrics: Metrics,
  token: string | undefined,
): void {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token !== undefined && !hasBearerToken(request.headers.authorization, token)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new UnauthorizedError('GET /metrics needs Authorization: Bearer <SWITCHBOARD_METRICS_TOKEN>');
    }
    return reply.type(metrics.contentType).send(await metrics.render());
  });
}

/** The listener of SWITCHBOARD_METRICS_PORT: `/metrics` and nothing else. */
export async function buildMetricsApp(
  metrics: Metrics,
  token: string | undefined,
  logger: FastifyBaseLogger,
): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: logger.child({ listener: 'metrics' }), return503OnClosing: true });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ code: 'not_found', message: `No route for ${request.method} ${request.url}` }),
  );
  registerMetricsRoute(app, metrics, token);
  await app.ready();
  return app;
}
