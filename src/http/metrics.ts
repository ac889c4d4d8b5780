import client from 'prom-client';
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

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
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
