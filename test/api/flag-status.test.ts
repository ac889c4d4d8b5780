import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * GET /flag-statuses/{p}/{env}, /flag-statuses/{p}/{env}/{key} and /flag-status/{p}/{key}: the
 * statuses come from the evaluations SDKs report (POST /bulk, posted here as the SDKs post them)
 * and the flags' creation and last change, on a clock the test moves. SQLite and PostgreSQL.
 */

const day = 24 * 60 * 60 * 1000;
const start = Date.UTC(2026, 0, 1);
let now = start;
let t: TestSwitchboard;
let sdkKey = '';

beforeAll(async () => {
  t = await startTestSwitchboard({}, { clock: () => now });
  await t.api('POST', '/api/v2/projects', { key: 'shop', name: 'Shop' });
  for (const key of ['launched', 'toggled-off', 'quiet']) {
    expect((await t.api('POST', '/api/v2/flags/shop', { key, name: key })).status).toBe(201);
  }
  const on = await t.api('PATCH', '/api/v2/flags/shop/launched', [
    { op: 'replace', path: '/environments/production/on', value: true },
  ]);
  expect(on.status).toBe(200);
  sdkKey = (await t.api('GET', '/api/v2/projects/shop/environments/production')).body.apiKey;
}, 60_000);
afterAll(async () => {
  await t?.close();
});

/** A summary event, as the SDKs send them to /bulk. */
async function evaluated(flags: string[]): Promise<void> {
  const res = await t.switchboard.app.inject({
    method: 'POST',
    url: '/bulk',
    headers: {
      authorization: sdkKey,
      'content-type': 'application/json',
      'x-launchdarkly-event-schema': '4',
    },
    payload: [
      {
        kind: 'summary',
        startDate: now - 5_000,
        endDate: now,
        features: Object.fromEntries(
          flags.map((f) => [
            f,
            {
              default: false,
              contextKinds: ['user'],
              counters: [{ variation: 0, version: 2, value: true, count: 3 }],
            },
          ]),
        ),
      },
    ],
  });
  expect(res.statusCode, res.body).toBe(202);
}

async function statuses(): Promise<Record<string, { name: string; lastRequested?: string }>> {
  const res = await t.api('GET', '/api/v2/flag-statuses/shop/production');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return Object.fromEntries(
    res.body.items.map((i: { _links: { self: { href: string } }; name: string; lastRequested?: string }) => [
      i._links.self.href.split('/').pop(),
      { name: i.name, ...(i.lastRequested === undefined ? {} : { lastRequested: i.lastRequested }) },
    ]),
  );
}

/** Counting is off the request path (flushed about every second): wait until it is written. */
async function statusesWhenRequested(flags: string[]) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = await statuses();
    if (flags.every((f) => found[f]?.lastRequested !== undefined) || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('flag statuses', () => {
  it('new flags never requested are new; a week later, inactive', async () => {
    expect(await statuses()).toEqual({
      launched: { name: 'new' },
      'toggled-off': { name: 'new' },
      quiet: { name: 'new' },
    });
    now = start + 8 * day;
    expect(await statuses()).toEqual({
      launched: { name: 'inactive' },
      'toggled-off': { name: 'inactive' },
      quiet: { name: 'inactive' },
    });
  });

  it('requested: launched when on, serving one variation and unchanged for a week; active otherwise', async () => {
    await evaluated(['launched', 'toggled-off']);
    const at = new Date(now).toISOString();
    expect(await statusesWhenRequested(['launched', 'toggled-off'])).toEqual({
      launched: { name: 'launched', lastRequested: at },
      'toggled-off': { name: 'active', lastRequested: at },
      quiet: { name: 'inactive' },
    });
    const one = await t.api('GET', '/api/v2/flag-statuses/shop/production/launched');
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      name: 'launched',
      lastRequested: at,
      _links: {
        parent: { href: '/api/v2/flag-statuses/shop/production', type: 'application/json' },
        self: { href: '/api/v2/flag-statuses/shop/production/launched', type: 'application/json' },
      },
    });
    expect((await t.api('GET', '/api/v2/flag-status/shop/production/launched')).body).toEqual(one.body);
  });

  it('a change to the flag in the environment makes it active again, for a week', async () => {
    const rule = await t.api('PATCH', '/api/v2/flags/shop/launched', [
      { op: 'add', path: '/environments/production/targets/-', value: { values: ['ann'], variation: 0 } },
    ]);
    expect(rule.status).toBe(200);
    expect((await statuses()).launched?.name).toBe('active');
  });

  it('across environments, with the env filter', async () => {
    const res = await t.api('GET', '/api/v2/flag-status/shop/toggled-off');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      key: 'toggled-off',
      environments: { production: { name: 'active' }, test: { name: 'inactive' } },
    });
    const only = await t.api('GET', '/api/v2/flag-status/shop/toggled-off?env=test');
    expect(Object.keys(only.body.environments)).toEqual(['test']);
    // Two weeks without requests: inactive everywhere.
    now = start + 22 * day;
    const later = await t.api('GET', '/api/v2/flag-status/shop/toggled-off');
    expect(later.body.environments.production.name).toBe('inactive');
    expect(later.body.environments.production.lastRequested).toBe(new Date(start + 8 * day).toISOString());
  });

  it('unknown project, environment or flag: 404', async () => {
    for (const path of [
      '/api/v2/flag-statuses/nope/production',
      '/api/v2/flag-statuses/shop/staging',
      '/api/v2/flag-statuses/shop/production/nope',
      '/api/v2/flag-status/shop/nope',
    ]) {
      expect((await t.api('GET', path)).status, path).toBe(404);
    }
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.api('GET', '/api/v2/openapi.json')).body;
    for (const path of [
      '/api/v2/flag-statuses/{projectKey}/{environmentKey}',
      '/api/v2/flag-statuses/{projectKey}/{environmentKey}/{featureFlagKey}',
      '/api/v2/flag-status/{projectKey}/{featureFlagKey}',
    ])
      expect(doc.paths[path]?.get, path).toBeDefined();
  });
});
