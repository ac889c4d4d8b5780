import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { FakeWebhook } from '../helpers/fake-webhook.js';
import {
  freshPostgresDatabase,
  startTestSwitchboard,
  type TestSwitchboard,
} from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';

/**
 * A worker in a process of its own hears changes by NOTIFY, which does not say for which
 * integration. One heard while that integration's lane is out, after the lane's last look found
 * its queue drained, must still be claimed when the lane ends: not left for the fallback poll,
 * which is a minute away here. The API and the worker are two Switchboards on one database, each
 * with its own pool, as two processes are.
 */

let fake: FakeWebhook;
const started: TestSwitchboard[] = [];
const drops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  fake = await FakeWebhook.start();
});
afterEach(async () => {
  for (const sb of started.splice(0)) await sb.close();
  for (const drop of drops.splice(0)) await drop();
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

it('claims a change heard by NOTIFY while its lane was ending, without the poll', {
  timeout: 90_000,
}, async () => {
  const { url, drop } = await freshPostgresDatabase();
  drops.push(drop);
  const env = { SWITCHBOARD_DATABASE_URL: url, SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true' };
  const api = await startTestSwitchboard({ ...env, SWITCHBOARD_ROLE: 'api' });
  started.push(api);
  const worker = await startTestSwitchboard(
    { ...env, SWITCHBOARD_ROLE: 'worker' },
    { deliveryPollMs: 60_000 },
  );
  started.push(worker);
  await api.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
  await api.api('POST', '/api/v2/flags/default', { key: 'checkout', name: 'Checkout' });
  const webhook = await api.api('POST', '/api/v2/webhooks', {
    url: fake.url,
    sign: false,
    statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
  });
  expect(webhook.status).toBe(201);
  // Each change right after the one before arrived: while that one's lane is still ending.
  for (let i = 1; i <= 30; i++) {
    const res = await api.api('PATCH', '/api/v2/flags/default/checkout', [
      { op: 'replace', path: '/environments/production/on', value: i % 2 === 1 },
    ]);
    expect(res.status).toBe(200);
    await until(`change ${i} arrived`, () => received() >= i, 10_000);
  }
  expect(received()).toBe(30);
});
