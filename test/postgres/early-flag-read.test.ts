import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencyProxy } from '../helpers/latency-proxy.js';
import {
  freshPostgresDatabase,
  startTestSwitchboard,
  type TestSwitchboard,
} from '../helpers/test-switchboard.js';

// A change to a flag starts with two reads, the token's and the flag's (with its project and
// environments). The flag's is sent as the request arrives, with the token's, instead of a round
// trip after it: with PostgreSQL 20 ms away, both wait for their answers at once.

let t: TestSwitchboard;
let proxy: LatencyProxy;
let drop: () => Promise<void>;

beforeAll(async () => {
  let url: string;
  ({ url, drop } = await freshPostgresDatabase());
  const { hostname, port } = new URL(url);
  proxy = await LatencyProxy.start({ host: hostname, port: Number(port) }, 20);
  // The API alone, its LISTEN connections checked too rarely to show and no REST rate limit (its
  // counts are shared in statements of their own every 200 ms): only requests' statements.
  t = await startTestSwitchboard({
    SWITCHBOARD_DATABASE_URL: proxy.through(url),
    SWITCHBOARD_ROLE: 'api',
    SWITCHBOARD_LISTEN_CHECK: '3600',
    SWITCHBOARD_API_RATE_LIMIT: '0',
  });
  expect((await t.api('POST', '/api/v2/projects', { key: 'p', name: 'P' })).status).toBe(201);
  expect((await t.api('POST', '/api/v2/flags/p', { key: 'f', name: 'F' })).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await t?.close();
  await proxy?.close();
  await drop?.();
});

const toggle = (on: boolean) =>
  t.api('PATCH', '/api/v2/flags/p/f', [{ op: 'replace', path: '/environments/production/on', value: on }]);

describe('a change to a flag on PostgreSQL', () => {
  it('reads its flag while its token is looked up, and applies what it read', async () => {
    // The first opens the pool's second connection.
    expect((await toggle(false)).status).toBe(200);
    for (const on of [true, false, true]) {
      proxy.resetPeak();
      const response = await toggle(on);
      expect(response.status).toBe(200);
      expect(response.body.environments.production.on).toBe(on);
      expect(proxy.peakWaiting).toBe(2);
    }
    expect((await t.api('GET', '/api/v2/flags/p/f')).body._version).toBe(4);
  });

  it('answers a refused request and a missing flag as before: its early read is never answered', async () => {
    const refused = await t.api('PATCH', '/api/v2/flags/p/f', [], { authorization: 'api-wrong-token' });
    expect(refused.status).toBe(401);
    const missing = await t.api('PATCH', '/api/v2/flags/p/nope', [
      { op: 'replace', path: '/environments/production/on', value: true },
    ]);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toMatch(/Flag "nope" not found/);
  });

  it('reads again when the flag changed after its early read, as any lost compare-and-set does', async () => {
    const before = (await t.api('GET', '/api/v2/flags/p/f')).body;
    const on = !before.environments.production.on;
    const [a, b] = await Promise.all([
      toggle(on),
      t.api('PATCH', '/api/v2/flags/p/f', [{ op: 'replace', path: '/description', value: 'both apply' }]),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const after = (await t.api('GET', '/api/v2/flags/p/f')).body;
    expect([after._version, after.environments.production.on, after.description]).toEqual([
      before._version + 2,
      on,
      'both apply',
    ]);
  });
});
