import type { LDClient } from '@launchdarkly/node-server-sdk';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { freshPostgresDatabase } from '../helpers/test-switchboard.js';
import { nextUpdate, sdkClient, user } from '../sdk/sdk-data-plane-kit.js';

/**
 * Two API processes on one PostgreSQL: an official SDK streaming from node A sees every change
 * made through node B (LISTEN/NOTIFY after commit), and a change made while A's listening
 * connection is down is not lost: A listens again and heals its streams with a fresh `put`. That
 * holds too when the connection stops answering without closing, which only a check notices.
 */

const adminToken = 'api-sdk-multi-node-0123456789abcdef';
let url = '';
let drop: () => Promise<void> = async () => undefined;
let nodeA: ServerProcess;
let nodeB: ServerProcess;
let client: LDClient;

const env = () => ({
  SWITCHBOARD_DATABASE_URL: url,
  SWITCHBOARD_SECRET_KEY: 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=',
  SWITCHBOARD_ADMIN_TOKEN: adminToken,
  SWITCHBOARD_ROLE: 'api',
  // A LISTEN connection that stops answering is noticed within about a second.
  SWITCHBOARD_LISTEN_CHECK: '0.5',
});

async function call(node: ServerProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${node.baseUrl}/api/v2${path}`, {
    method,
    headers: {
      authorization: adminToken,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

const toggle = async (node: ServerProcess, key: string, on: boolean) => {
  const res = await call(node, 'PATCH', `/flags/shop/${key}`, [
    { op: 'replace', path: '/environments/production/on', value: on },
  ]);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};

beforeAll(async () => {
  ({ url, drop } = await freshPostgresDatabase());
  nodeA = await startServerProcess(env());
  nodeB = await startServerProcess(env());
  expect((await call(nodeB, 'POST', '/projects', { key: 'shop', name: 'Shop' })).status).toBe(201);
  for (const key of ['checkout', 'banner'])
    expect((await call(nodeB, 'POST', '/flags/shop', { key, name: key })).status).toBe(201);
  const production = await call(nodeB, 'GET', '/projects/shop/environments/production');
  client = sdkClient(nodeA.baseUrl, production.body.apiKey as string);
  await client.waitForInitialization({ timeout: 10 });
}, 60_000);

afterAll(async () => {
  client?.close();
  await nodeA?.stop();
  await nodeB?.stop();
  await drop();
});

/**
 * With node A's listener lost (`how` is in its log): a change through node B still reaches A's
 * client (healed with a fresh `put` once A listens again), and the next arrives as a patch.
 */
async function healsAndGoesOn(how: string): Promise<void> {
  const update = nextUpdate(client, 'checkout', 10_000);
  await toggle(nodeB, 'checkout', false);
  await update;
  expect(nodeA.stdout()).toContain(how);
  expect(await client.variationDetail('checkout', user('zoe'), 'x')).toMatchObject({
    reason: { kind: 'OFF' },
  });
  const next = nextUpdate(client, 'checkout');
  await toggle(nodeB, 'checkout', true);
  await next;
  expect(await client.variation('checkout', user('zoe'), 'x')).toBe(true);
}

describe('the SDK data plane on two nodes', () => {
  it('a client on node A sees toggles, rule edits and deletions made through node B', async () => {
    let update = nextUpdate(client, 'checkout');
    await toggle(nodeB, 'checkout', true);
    await update;
    expect(await client.variation('checkout', user('eve'), 'x')).toBe(true);

    update = nextUpdate(client, 'checkout');
    const rule = await call(nodeB, 'PATCH', '/flags/shop/checkout', [
      {
        op: 'add',
        path: '/environments/production/rules/-',
        value: {
          _id: 'r-eve',
          clauses: [{ attribute: 'key', op: 'in', values: ['eve'], negate: false }],
          variation: 1,
          trackEvents: false,
        },
      },
    ]);
    expect(rule.status, JSON.stringify(rule.body)).toBe(200);
    await update;
    expect(await client.variationDetail('checkout', user('eve'), 'x')).toMatchObject({
      value: false,
      reason: { kind: 'RULE_MATCH', ruleId: 'r-eve' },
    });

    update = nextUpdate(client, 'banner');
    expect((await call(nodeB, 'DELETE', '/flags/shop/banner')).status).toBe(204);
    await update;
    expect(await client.variationDetail('banner', user('eve'), 'x')).toMatchObject({
      reason: { kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' },
    });
  });

  it('heals a change made while node A was not listening with a fresh put', async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Every SDK-feed listener of this database (node B's too): neither hears the next change.
      const killed = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and query ilike 'LISTEN%switchboard_sdk_changes%'`,
      );
      expect(killed.rowCount).toBe(2);
    } finally {
      await admin.end();
    }
    await healsAndGoesOn('the listening connection broke');
  }, 30_000);

  it('notices a listening connection that stopped answering, and heals what it missed', async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    let frozen: number[] = [];
    try {
      const { rows } = await admin.query<{ pid: number }>(
        `select pid from pg_stat_activity
          where datname = current_database() and query ilike 'LISTEN%switchboard_sdk_changes%'`,
      );
      frozen = rows.map((row) => row.pid);
      expect(frozen).toHaveLength(2);
      // The backends stop without closing their sockets: no NOTIFY comes, and nothing says so.
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      await healsAndGoesOn('the listening connection stopped answering');
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      await admin.end();
    }
  }, 30_000);
});
