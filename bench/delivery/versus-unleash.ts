import { cpus, loadavg } from 'node:os';
import type { PostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { median } from '../measure.js';
import { UNLEASH_ADMIN_TOKEN, UNLEASH_VERSION, UnleashProcess } from '../sdk/unleash.js';
import { percentile, whole } from './delivery-phases.js';
import { createPostgresDatabase } from './postgres-database.js';
import { SwitchboardProcess } from './switchboard-process.js';
import {
  type ReadWebhook,
  readSwitchboardWebhook,
  switchboardToggles,
  type ToggleApi,
  ToggleLoad,
  WebhookReceiver,
} from './toggle-webhook.js';

/**
 * Switchboard beside Unleash on the same PostgreSQL cluster, in the same run, with the same load
 * client and webhook receiver (`npm run bench -- delivery-postgres --versus-unleash`): toggles/s
 * with one client and with eight, then one webhook integration's change → delivery p50 / p99 at
 * an offered 200 toggles/s. Rounds alternate which product goes first, so a change in the
 * machine's background load falls on both. Each product runs as one process (Switchboard with
 * `SWITCHBOARD_ROLE=all`, API and worker together, as Unleash is).
 */

const SECRET_KEY = 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=';
const TOKEN = 'api-versus-unleash-0123456789abcdef';
export const FLAGS = Array.from({ length: 8 }, (_, i) => `vs-${i}`);
/** Seconds of each throughput phase, and of the paced phase. */
const SATURATE_SECONDS = 5;
const PACED_PER_SECOND = 200;
const PACED_SECONDS = 5;
const DRAIN_MS = 60_000;
const LATENCY_DRAIN_MS = 20_000;

interface Product {
  readonly api: ToggleApi;
  readonly read: ReadWebhook;
  stop(): Promise<unknown>;
}

interface RoundResult {
  readonly one: number;
  readonly eight: number;
  /** Notifications of the throughput phases that had not arrived after DRAIN_MS. */
  readonly undrained: number;
  /** The rate the paced phase's toggles were answered at (200/s offered). */
  readonly paced: number;
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  readonly undelivered: number;
  readonly outOfOrder: number;
  readonly failed: number;
}

async function call(baseUrl: string, method: string, path: string, auth: string, body: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
}

/**
 * Switchboard as one process (`SWITCHBOARD_ROLE=all`) on a database of its own in `cluster`, with
 * `FLAGS` in project `bench` and one webhook to `receiver`: what the comparison and the statement
 * count (statement-count.ts) toggle.
 */
export async function startBenchSwitchboard(
  cluster: PostgresCluster,
  receiver: WebhookReceiver,
  entry: 'tsx' | 'built',
  database: string,
  options: {
    /** A V8 CPU profile of chosen windows (server-probe.mjs). */
    readonly probeDir?: string | undefined;
    /** The URL the server connects with, from the database's (through a proxy). */
    readonly through?: ((url: string) => string) | undefined;
  } = {},
): Promise<{ server: SwitchboardProcess; api: ToggleApi; url: string }> {
  const url = await createPostgresDatabase(cluster, database);
  const server = await SwitchboardProcess.start({
    entry,
    probeDir: options.probeDir,
    // Start-up (tsx, migrations) takes far longer than usual on a busy machine.
    timeoutMs: 120_000,
    env: {
      SWITCHBOARD_DATABASE_URL: options.through?.(url) ?? url,
      SWITCHBOARD_SECRET_KEY: SECRET_KEY,
      SWITCHBOARD_ADMIN_TOKEN: TOKEN,
      SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
      LOG_LEVEL: 'warn',
    },
  });
  const base = `${server.baseUrl}/api/v2`;
  await call(base, 'POST', '/projects', TOKEN, { key: 'bench', name: 'Versus bench' });
  for (const key of FLAGS) await call(base, 'POST', '/flags/bench', TOKEN, { key, name: key });
  await call(base, 'POST', '/webhooks', TOKEN, { name: 'bench', url: receiver.url, sign: false, on: true });
  return { server, api: switchboardToggles(server.baseUrl, 'bench', TOKEN), url };
}

async function startSwitchboard(
  cluster: PostgresCluster,
  receiver: WebhookReceiver,
  entry: 'tsx' | 'built',
): Promise<Product> {
  const { server, api } = await startBenchSwitchboard(cluster, receiver, entry, 'sb_versus');
  return { api, read: readSwitchboardWebhook, stop: () => server.stop() };
}

async function startUnleash(cluster: PostgresCluster, receiver: WebhookReceiver): Promise<Product> {
  const unleash = await UnleashProcess.start(cluster, 'unleash_versus');
  const admin = (path: string, body: unknown) =>
    call(unleash.baseUrl, 'POST', `/api/admin${path}`, UNLEASH_ADMIN_TOKEN, body);
  for (const name of FLAGS) await admin('/projects/default/features', { name, type: 'release' });
  await admin('/addons', {
    provider: 'webhook',
    enabled: true,
    parameters: {
      url: receiver.url,
      contentType: 'application/json',
      bodyTemplate: '{"flag":"{{event.featureName}}","type":"{{event.type}}"}',
    },
    events: ['feature-environment-enabled', 'feature-environment-disabled'],
    projects: [],
    environments: [],
  });
  return {
    api: {
      name: `Unleash ${UNLEASH_VERSION}`,
      baseUrl: unleash.baseUrl,
      request: (flag, on) => ({
        method: 'POST',
        path: `/api/admin/projects/default/features/${flag}/environments/development/${on ? 'on' : 'off'}`,
        headers: { authorization: UNLEASH_ADMIN_TOKEN },
      }),
    },
    read: (body) => {
      const event = JSON.parse(body) as { flag: string; type: string };
      if (event.type === 'feature-environment-enabled') return { flag: event.flag, on: true };
      if (event.type === 'feature-environment-disabled') return { flag: event.flag, on: false };
      return undefined;
    },
    stop: () => unleash.stop(),
  };
}

async function round(product: Product, load: ToggleLoad, receiver: WebhookReceiver): Promise<RoundResult> {
  const failedBefore = load.failed;
  receiver.reset(product.read, load.state);
  const one = await load.saturate(FLAGS.slice(0, 1), SATURATE_SECONDS);
  const eight = await load.saturate(FLAGS, SATURATE_SECONDS);
  const expected = one.count + eight.count;
  await receiver.waitFor(expected, DRAIN_MS);
  const undrained = expected - receiver.received;
  const outOfOrderBefore = receiver.outOfOrder;
  receiver.reset(product.read, load.state);
  const { ok, answeredPerSecond } = await load.paced(FLAGS, PACED_PER_SECOND, PACED_SECONDS);
  await receiver.waitFor(ok, LATENCY_DRAIN_MS);
  const sorted = [...receiver.latencies].sort((a, b) => a - b);
  return {
    one: one.perSecond,
    eight: eight.perSecond,
    undrained,
    paced: answeredPerSecond,
    p50: percentile(sorted, ok, 50),
    p99: percentile(sorted, ok, 99),
    undelivered: ok - receiver.received,
    outOfOrder: outOfOrderBefore + receiver.outOfOrder,
    failed: load.failed - failedBefore,
  };
}

function summary(values: readonly (number | undefined)[], format: (n: number) => string): string {
  const known = values.filter((v): v is number => v !== undefined);
  const all = values.map((v) => (v === undefined ? `> ${LATENCY_DRAIN_MS / 1000} s` : format(v)));
  if (known.length < values.length) return `— (${all.join(', ')})`;
  return `${format(median(known))}${values.length > 1 ? ` (${all.join(', ')})` : ''}`;
}

const latency = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n.toFixed(1)} ms`);

/** Runs the comparison on `cluster`; prints a table with medians and every round's figure. */
export async function runVersusUnleash(
  cluster: PostgresCluster,
  rounds: number,
  entry: 'tsx' | 'built',
): Promise<void> {
  const started = Date.now();
  const cpu = cpus();
  console.log(
    `\n## Switchboard and Unleash ${UNLEASH_VERSION} on one PostgreSQL — ${rounds} alternating round(s); ` +
      `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
  );
  const receiver = await WebhookReceiver.start();
  const products: Product[] = [];
  try {
    products.push(await startSwitchboard(cluster, receiver, entry));
    products.push(await startUnleash(cluster, receiver));
    // A warm-up for both (JIT, caches, connection pools), not measured.
    const loads = products.map((p) => new ToggleLoad(p.api, receiver, FLAGS.length));
    for (const [i, product] of products.entries()) {
      const load = loads[i] as ToggleLoad;
      receiver.reset(product.read, load.state);
      const warm = await load.saturate(FLAGS, 3);
      await receiver.waitFor(warm.count, DRAIN_MS);
    }
    const results: RoundResult[][] = products.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const product = products[i] as Product;
        const result = await round(product, loads[i] as ToggleLoad, receiver);
        results[i]?.push(result);
        console.log(
          `round ${r + 1}, ${product.api.name}: ${whole(result.one)} / ${whole(result.eight)} toggles/s, ` +
            `paced ${whole(result.paced)} toggles/s, p50 ${result.p50 === undefined ? '—' : latency(result.p50)}, p99 ${result.p99 === undefined ? '—' : latency(result.p99)}, ` +
            `${result.undrained} undrained, ${result.undelivered} undelivered, ${result.outOfOrder} out of order, ` +
            `${result.failed} refused, at ${((Date.now() - started) / 1000).toFixed(0)} s`,
        );
      }
    }
    await Promise.all(loads.map((l) => l.close()));
    console.log('');
    console.log(`| on PostgreSQL | ${products.map((p) => p.api.name).join(' | ')} |`);
    console.log(`|---|${products.map(() => '---').join('|')}|`);
    const row = (label: string, cell: (rs: readonly RoundResult[]) => string) =>
      console.log(`| ${label} | ${results.map(cell).join(' | ')} |`);
    row('toggles/s, 1 client', (rs) =>
      summary(
        rs.map((r) => r.one),
        whole,
      ),
    );
    row(`toggles/s, ${FLAGS.length} clients`, (rs) =>
      summary(
        rs.map((r) => r.eight),
        whole,
      ),
    );
    row(`toggles/s answered with ${PACED_PER_SECOND} offered`, (rs) =>
      summary(
        rs.map((r) => r.paced),
        whole,
      ),
    );
    row(`webhook p50, ${PACED_PER_SECOND} toggles/s offered`, (rs) =>
      summary(
        rs.map((r) => r.p50),
        latency,
      ),
    );
    row(`webhook p99, ${PACED_PER_SECOND} toggles/s offered`, (rs) =>
      summary(
        rs.map((r) => r.p99),
        latency,
      ),
    );
    row('notifications out of order / missing / refused toggles', (rs) =>
      [
        rs.reduce((s, r) => s + r.outOfOrder, 0),
        rs.reduce((s, r) => s + r.undrained + r.undelivered, 0),
        rs.reduce((s, r) => s + r.failed, 0),
      ].join(' / '),
    );
    console.log(`\n(comparison ran in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    for (const product of products) await product.stop();
    await receiver.close();
  }
}
