import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { type ApiAndWorker, apiAndWorkerSuite, flagNotices } from '../helpers/api-and-worker.js';
import { until } from '../helpers/until.js';

/**
 * A delivery worker in a process of its own hears other processes' changes by LISTEN. When that
 * connection is lost, it must listen again and look at the queue, not fall back to its poll for
 * good: here the poll is a minute away, and each change must arrive within seconds. Lost two
 * ways: the server ends the connection (a restart, `pg_terminate_backend`), or the connection
 * stops answering without closing (a server frozen, a network gone silent: SIGSTOP on its
 * backend), which only a check on the connection notices. Both failed before LastingListen.
 */

const metricsToken = 'metrics-listen-lost-0123456789';
const suite = apiAndWorkerSuite();
let admin: pg.Client | undefined;
/** Backends stopped by a test, let go before anything closes (a close would wait on them). */
const stopped: number[] = [];

// Registered after the suite's hooks, so it runs before they close the nodes.
afterEach(async () => {
  for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
  await admin?.end();
  admin = undefined;
});

/** An API and a worker that has delivered a first change heard by LISTEN; a client to look with. */
async function delivering(): Promise<{ nodes: ApiAndWorker; admin: pg.Client }> {
  const nodes = await suite.start(
    { SWITCHBOARD_LISTEN_CHECK: '0.5' },
    { SWITCHBOARD_METRICS_TOKEN: metricsToken },
  );
  await nodes.toggle(true);
  await until('the first change arrived', () => flagNotices(suite.fake) === 1, 10_000);
  admin = new pg.Client({ connectionString: nodes.url });
  await admin.connect();
  return { nodes, admin };
}

/** The server processes of the worker's LISTEN connections (the API does not listen for deliveries). */
async function deliveryListeners(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    `select pid from pg_stat_activity
      where datname = current_database() and query ilike 'LISTEN%switchboard_deliveries%'`,
  );
  return rows.map((row) => row.pid);
}

/** What the worker's /metrics says of its lost LISTEN connections for deliveries. */
async function lostDeliveryListens({ worker }: ApiAndWorker): Promise<number> {
  const res = await worker.api('GET', '/metrics', undefined, { authorization: `Bearer ${metricsToken}` });
  expect(res.status).toBe(200);
  const line = /^switchboard_listen_connections_lost\{channel="switchboard_deliveries"\} (\d+)$/m.exec(
    String(res.body),
  );
  return Number(line?.[1] ?? 0);
}

it('listens again when the server ends its LISTEN connection, and claims what came meanwhile', {
  timeout: 60_000,
}, async () => {
  const { nodes, admin } = await delivering();
  const [listener] = await deliveryListeners(admin);
  expect(listener).toBeDefined();
  await admin.query('select pg_terminate_backend($1)', [listener]);

  await nodes.toggle(false);
  await until('the change made while nobody listened arrived', () => flagNotices(suite.fake) === 2, 10_000);
  await until(
    'the worker listens again',
    async () => (await deliveryListeners(admin)).some((pid) => pid !== listener),
    10_000,
  );
  await nodes.toggle(true);
  await until('the next change arrived', () => flagNotices(suite.fake) === 3, 10_000);
  expect(await lostDeliveryListens(nodes)).toBeGreaterThanOrEqual(1);
});

it('notices a LISTEN connection that stopped answering, and listens on a new one', {
  timeout: 60_000,
}, async () => {
  const { nodes, admin } = await delivering();
  const [frozen] = await deliveryListeners(admin);
  if (frozen === undefined) throw new Error('the worker does not listen');
  // The backend stops without closing its socket: its NOTIFYs never come, nothing says so.
  process.kill(frozen, 'SIGSTOP');
  stopped.push(frozen);

  await nodes.toggle(false);
  await until('the change arrived', () => flagNotices(suite.fake) === 2, 15_000);
  expect(await lostDeliveryListens(nodes)).toBeGreaterThanOrEqual(1);
  await nodes.toggle(true);
  await until('the next change arrived', () => flagNotices(suite.fake) === 3, 10_000);
});
