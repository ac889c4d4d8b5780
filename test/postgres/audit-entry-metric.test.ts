import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  freshPostgresDatabase,
  startTestSwitchboard,
  type TestSwitchboard,
} from '../helpers/test-switchboard.js';

/**
 * `switchboard_audit_entries_total` counts entries that were committed. On PostgreSQL a change
 * that matched integrations from a directory another process has since changed is written
 * nothing and run again (`StaleRead`): one entry in the log, and one in the count.
 */

const metricsToken = 'metrics-audit-count-0123456789';
let url = '';
let drop: () => Promise<void> = async () => undefined;
const started: TestSwitchboard[] = [];

beforeAll(async () => {
  ({ url, drop } = await freshPostgresDatabase());
});
afterAll(async () => {
  for (const sb of started) await sb.close();
  await drop();
});

async function auditEntriesCounted(sb: TestSwitchboard): Promise<number> {
  const res = await sb.api('GET', '/metrics', undefined, { authorization: `Bearer ${metricsToken}` });
  expect(res.status).toBe(200);
  return Number(/^switchboard_audit_entries_total (\d+)$/m.exec(String(res.body))?.[1]);
}

it('counts a change run again after a stale read once', async () => {
  const env = {
    SWITCHBOARD_DATABASE_URL: url,
    SWITCHBOARD_ROLE: 'api',
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    SWITCHBOARD_METRICS_TOKEN: metricsToken,
  };
  const a = await startTestSwitchboard(env);
  started.push(a);
  const b = await startTestSwitchboard(env);
  started.push(b);
  expect((await a.api('POST', '/api/v2/projects', { key: 'shop', name: 'Shop' })).status).toBe(201);
  expect((await a.api('POST', '/api/v2/flags/shop', { key: 'checkout', name: 'Checkout' })).status).toBe(201);
  const toggle = async (on: boolean) => {
    const res = await a.api('PATCH', '/api/v2/flags/shop/checkout', [
      { op: 'replace', path: '/environments/production/on', value: on },
    ]);
    expect(res.status).toBe(200);
  };
  await toggle(true); // A's directory of integrations is loaded now
  // Another process adds an integration: A's next change matched from a directory out of date.
  expect(
    (await b.api('POST', '/api/v2/webhooks', { url: 'http://127.0.0.1:9/hook', sign: false })).status,
  ).toBe(201);
  const before = await auditEntriesCounted(a);
  await toggle(false);
  expect(await auditEntriesCounted(a)).toBe(before + 1);
  const log = await a.api('GET', '/api/v2/auditlog?limit=20');
  expect(log.body.items.filter((e: { name?: string }) => e.name === 'Checkout')).toHaveLength(3);
});
