import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { FakeWebhook } from '../helpers/fake-webhook.js';
import {
  freshPostgresDatabase,
  startTestSwitchboard,
  type TestSwitchboard,
} from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';

/**
 * A delivery worker in a process of its own hears other processes' changes by LISTEN. When that
 * connection is lost, it must listen again and look at the queue, not fall back to its poll for
 * good: here the poll is a minute away, and each change must arrive within seconds. Lost two
 * ways: the server ends the connection (a restart, `pg_terminate_backend`), or the connection
 * stops answering without closing (a server frozen, a network gone silent: SIGSTOP on its
 * backend), which only a check on the connection notices.
 */

let fake: FakeWebhook;
const started: TestSwitchboard[] = [];
const cleanups: (() => Promise<void>)[] = [];
/** Backends stopped by a test, let go before anything closes (a close would wait on them). */
const stopped: number[] = [];

beforeAll(async () => {
  fake = await FakeWebhook.start();
});
afterEach(async () => {
  for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
  for (const sb of started.splice(0)) await sb.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  fake.reset();
});
afterAll(async () => {
  await fake.close();
});

const received = () =>
  fake
    .delivered()
    .map((r) => JSON.parse(r.body) as { kind?: string })
    .filter((e) => e.kind === 'flag').length;

const metricsToken = 'metrics-listen-lost-0123456789';

/** An API and a worker on one new database, with a webhook for every flag change. */
async function apiAndWorker(): Promise<{ url: string; api: TestSwitchboard; worker: TestSwitchboard }> {
  const { url, drop } = await freshPostgresDatabase();
  cleanups.push(drop);
  const env = {
    SWITCHBOARD_DATABASE_URL: url,
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    SWITCHBOARD_LISTEN_CHECK: '0.5',
  };
  const api = await startTestSwitchboard({ ...env, SWITCHBOARD_ROLE: 'api' });
  started.push(api);
  const worker = await startTestSwitchboard(
    { ...env, SWITCHBOARD_ROLE: 'worker', SWITCHBOARD_METRICS_TOKEN: metricsToken },
    { deliveryPollMs: 60_000 },
  );
  started.push(worker);
  await api.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
  await api.api('POST', '/api/v2/flags/default', { key: 'checkout', name: 'Checkout' });
  const webhook = await api.api('POST', '/api/v2/webhooks', { url: fake.url, sign: false });
  expect(webhook.status).toBe(201);
  return { url, api, worker };
}

/** What the worker's /metrics says of its lost LISTEN connections for deliveries. */
async function lostDeliveryListens(worker: TestSwitchboard): Promise<number> {
  const res = await worker.api('GET', '/metrics', undefined, { authorization: `Bearer ${metricsToken}` });
  expect(res.status).toBe(200);
  const line = /^switchboard_listen_connections_lost\{channel="switchboard_deliveries"\} (\d+)$/m.exec(
    String(res.body),
  );
  return Number(line?.[1] ?? 0);
}

async function toggle(api: TestSwitchboard, on: boolean): Promise<void> {
  const res = await api.api('PATCH', '/api/v2/flags/default/checkout', [
    { op: 'replace', path: '/environments/production/on', value: on },
  ]);
  expect(res.status).toBe(200);
}

/** The server processes of the worker's LISTEN connections (the API does not listen for deliveries). */
async function deliveryListeners(admin: pg.Client): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity
      where datname = current_database() and query ilike 'LISTEN%switchboard_deliveries%'`,
  );
  return rows.map((row) => row.pid);
}

async function adminOn(url: string): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  cleanups.push(() => admin.end());
  return admin;
}

it('listens again when the server ends its LISTEN connection, and claims what came meanwhile', {
  timeout: 60_000,
}, async () => {
  const { url, api, worker } = await apiAndWorker();
  await toggle(api, true);
  await until('the first change arrived', () => received() === 1, 10_000);
  const admin = await adminOn(url);
  const [listener] = await deliveryListeners(admin);
  expect(listener).toBeDefined();
  await admin.query('select pg_terminate_backend($1)', [listener]);

  await toggle(api, false);
  await until('the change made while nobody listened arrived', () => received() === 2, 10_000);
  await until(
    'the worker listens again',
    async () => (await deliveryListeners(admin)).some((pid) => pid !== listener),
    10_000,
  );
  await toggle(api, true);
  await until('the next change arrived', () => received() === 3, 10_000);
  expect(await lostDeliveryListens(worker)).toBeGreaterThanOrEqual(1);
});

it('notices a LISTEN connection that stopped answering, and listens on a new one', {
  timeout: 60_000,
}, async () => {
  const { url, api, worker } = await apiAndWorker();
  await toggle(api, true);
  await until('the first change arrived', () => received() === 1, 10_000);
  const admin = await adminOn(url);
  const [frozen] = await deliveryListeners(admin);
  if (frozen === undefined) throw new Error('the worker does not listen');
  // The backend stops without closing its socket: its NOTIFYs never come, nothing says so.
  process.kill(frozen, 'SIGSTOP');
  stopped.push(frozen);

  await toggle(api, false);
  await until('the change arrived', () => received() === 2, 15_000);
  expect(await lostDeliveryListens(worker)).toBeGreaterThanOrEqual(1);
  await toggle(api, true);
  await until('the next change arrived', () => received() === 3, 10_000);
});
