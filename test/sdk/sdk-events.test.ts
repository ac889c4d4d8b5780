import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { init, type LDLogger } from '@launchdarkly/node-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourMs, hourOf } from '../../src/features/sdk/sdk-events-queue.js';
import { FlagEvaluationStore } from '../../src/features/sdk/sdk-events-store.js';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * SDK analytics events end to end: LaunchDarkly's own Node server SDK polls a Switchboard
 * listening on a real port for its flags, evaluates them and posts its events there; the counts
 * show up through the read API.
 * Then the door, by raw HTTP: wrong keys, malformed and oversized payloads, retried payloads.
 * Runs on SQLite and (vitest.postgres.config.ts) PostgreSQL.
 */

let t: TestSwitchboard;
let base = '';
let sdkKey = '';
let mobileKey = '';
let otherSdkKey = '';
const metricsToken = 'sdk-events-metrics-token-0123';

/** A sample of /metrics, e.g. `switchboard_sdk_event_payloads_total{outcome="duplicate"}`. */
async function metric(sample: string): Promise<number> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

async function environmentKeys(project: string, env: string) {
  const res = await t.api('GET', `/api/v2/projects/${project}/environments/${env}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { apiKey: res.body.apiKey as string, mobileKey: res.body.mobileKey as string };
}

beforeAll(async () => {
  t = await startTestSwitchboard({ SWITCHBOARD_METRICS_TOKEN: metricsToken });
  await t.api('POST', '/api/v2/projects', { key: 'shop', name: 'Shop' });
  await t.api('POST', '/api/v2/projects', { key: 'blog', name: 'Blog' });
  for (const key of ['new-checkout', 'banner', 'dedupe', 'isolated', 'quiet']) {
    const res = await t.api('POST', '/api/v2/flags/shop', { key, name: key });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  ({ apiKey: sdkKey, mobileKey } = await environmentKeys('shop', 'production'));
  otherSdkKey = (await environmentKeys('blog', 'production')).apiKey;
  await t.switchboard.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.switchboard.app.server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

interface Evaluations {
  totalCount: number;
  variations: { variation: number | null; count: number }[];
  lastEvaluated: number | null;
}

async function evaluations(flag: string, env = 'production', project = 'shop'): Promise<Evaluations> {
  const res = await t.api('GET', `/api/v2/flags/${project}/${flag}/evaluations?env=${env}&hours=24`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Counting is off the request path (flushed about every second): wait for the total to arrive. */
async function evaluationsWhen(flag: string, total: number, env = 'production'): Promise<Evaluations> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = await evaluations(flag, env);
    if (found.totalCount >= total || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      authorization: sdkKey,
      'content-type': 'application/json',
      'x-launchdarkly-event-schema': '4',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

interface ErrorBody {
  code: string;
  message: string;
  errors?: { pointer: string; message: string }[];
}

const errorOf = async (res: Response) => (await res.json()) as ErrorBody;

const summaryOf = (flag: string, counters: { variation?: number; count: number }[]) => [
  {
    kind: 'summary',
    startDate: Date.now() - 5_000,
    endDate: Date.now(),
    features: { [flag]: { default: false, contextKinds: ['user'], counters } },
  },
];

describe('the official Node server SDK', () => {
  it('posts analytics and diagnostic events that Switchboard counts per variation, keeping no context', async () => {
    // new-checkout on in production, alice targeted to false (variation 1), everyone else true (0);
    // banner stays off and serves its off variation. The SDK polls them from this Switchboard.
    const patched = await t.api('PATCH', '/api/v2/flags/shop/new-checkout', [
      { op: 'replace', path: '/environments/production/on', value: true },
      { op: 'add', path: '/environments/production/targets/-', value: { values: ['alice'], variation: 1 } },
    ]);
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const problems: string[] = [];
    const logger: LDLogger = {
      error: (...args: unknown[]) => problems.push(args.join(' ')),
      warn: (...args: unknown[]) => problems.push(args.join(' ')),
      info: () => undefined,
      debug: () => undefined,
    };
    const client = init(sdkKey, {
      stream: false,
      sendEvents: true,
      baseUri: base,
      streamUri: base,
      eventsUri: base,
      diagnosticOptOut: false,
      logger,
    });
    await client.waitForInitialization({ timeout: 10 });
    const before = Date.now();
    for (let i = 0; i < 7; i++) {
      expect(
        await client.variation('new-checkout', { kind: 'user', key: `u${i}`, email: `u${i}@x.io` }, false),
      ).toBe(true);
    }
    expect(await client.variation('new-checkout', { kind: 'user', key: 'alice' }, true)).toBe(false);
    expect(await client.variation('new-checkout', { kind: 'user', key: 'alice' }, true)).toBe(false);
    // A flag the SDK does not have: the application's default, not counted for any flag here.
    expect(await client.variation('no-such-flag', { kind: 'user', key: 'u1' }, 'fallback')).toBe('fallback');
    const banner = await client.variationDetail('banner', { kind: 'org', key: 'acme' }, 'none');
    expect(banner.reason).toEqual({ kind: 'OFF' });
    client.track('checkout-completed', { kind: 'user', key: 'u1' }, { cart: 3 });
    await client.flush();
    client.close();

    const counted = await evaluationsWhen('new-checkout', 9);
    expect(counted.totalCount).toBe(9);
    expect(counted.variations).toEqual([
      { variation: 0, count: 7 },
      { variation: 1, count: 2 },
    ]);
    expect(counted.lastEvaluated).toBeGreaterThanOrEqual(before - 1000);
    expect(counted.lastEvaluated).toBeLessThanOrEqual(Date.now());
    expect((await evaluationsWhen('banner', 1)).variations).toEqual([
      { variation: banner.variationIndex, count: 1 },
    ]);
    // The SDK heard only 202s: no "error posting events", nothing disabled; only our own miss.
    expect(problems).toEqual(['Unknown feature flag "no-such-flag"; returning default value']);
    // Other environments count nothing.
    expect((await evaluations('new-checkout', 'test')).totalCount).toBe(0);
    // No context reached the database: not its key, not its email.
    const { db } = t.switchboard.database;
    const tables = ['flag_evaluations', 'flag_last_evaluated'] as const;
    for (const table of tables) {
      const rows = JSON.stringify(
        await db.withTables<Record<typeof table, { x: string }>>().selectFrom(table).selectAll().execute(),
      );
      expect(rows).not.toMatch(/alice|u1@x\.io|acme|checkout-completed/);
    }
  });
});

describe('POST /bulk and /diagnostic, by raw HTTP', () => {
  it('answers 401 with no hint to a wrong, missing or other-kind key', async () => {
    const body = summaryOf('quiet', [{ variation: 0, count: 1 }]);
    // The last character changed (a key that already ends in 0 was its own "wrong" key 1 in 16 runs).
    const wrongKey = `${sdkKey.slice(0, -1)}${sdkKey.endsWith('0') ? '1' : '0'}`;
    const wrong = await post('/bulk', body, { authorization: wrongKey });
    const none = await fetch(`${base}/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    // The mobile key opens the same environment, but not for server-side SDK endpoints.
    const mobile = await post('/bulk', body, { authorization: mobileKey });
    const diagnostic = await post('/diagnostic', { kind: 'diagnostic' }, { authorization: 'sdk-nope' });
    for (const res of [wrong, none, mobile, diagnostic]) {
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toEqual({ code: 'unauthorized', message: 'Invalid or missing SDK key' });
    }
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await evaluations('quiet')).totalCount).toBe(0);
  });

  it('answers 400 with JSON pointers to a malformed payload, and keeps counting for others', async () => {
    const cases: [unknown, string[]][] = [
      [{ kind: 'summary' }, ['/']],
      [
        [{ kind: 'summary', features: { isolated: { counters: [{ variation: 0, count: 'many' }] } } }],
        ['/0/features/isolated/counters/0/count'],
      ],
      [[{ kind: 'identify', context: {} }, { kind: 42 }], ['/1/kind']],
      [
        [{ kind: 'summary', features: { isolated: { counters: [{ variation: -2, count: 1 }] } } }],
        ['/0/features/isolated/counters/0/variation'],
      ],
    ];
    for (const [body, pointers] of cases) {
      const res = await post('/bulk', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe('invalid_request');
      expect(error.errors?.map((e) => e.pointer)).toEqual(pointers);
    }
    expect(await metric('switchboard_sdk_event_payloads_total{outcome="rejected"}')).toBe(cases.length);
    expect(await metric('switchboard_sdk_evaluations_dropped_total')).toBe(0);
    const notJson = await post('/bulk', '[{"kind": "summary",');
    expect(notJson.status).toBe(400);
    const badDiagnostic = await post('/diagnostic', [1, 2]);
    expect(badDiagnostic.status).toBe(400);
    expect((await errorOf(badDiagnostic)).errors).toEqual([
      { pointer: '/', message: 'must be a diagnostic event object' },
    ]);

    // The malformed payloads kept nothing (the valid counters in them neither); this one counts.
    const good = await post('/bulk', summaryOf('isolated', [{ variation: 1, count: 4 }]), {
      authorization: otherSdkKey,
    });
    expect(good.status).toBe(202);
    const ok = await post('/bulk', summaryOf('isolated', [{ variation: 1, count: 3 }]));
    expect(ok.status).toBe(202);
    expect(await ok.text()).toBe('');
    expect((await evaluationsWhen('isolated', 3)).variations).toEqual([{ variation: 1, count: 3 }]);
  });

  it('answers 413 to a body over 1 MiB or with too many events', async () => {
    const big = JSON.stringify([{ kind: 'custom', key: 'x', data: 'y'.repeat(1024 * 1024) }]);
    expect((await post('/bulk', big)).status).toBe(413);
    const many = JSON.stringify(Array.from({ length: 20_001 }, () => ({ kind: 'x' })));
    const res = await post('/bulk', many);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).message).toMatch(/at most 20000 events/);
  });

  it('counts a retried payload (the same X-LaunchDarkly-Payload-ID) once', async () => {
    const payloadId = randomUUID();
    const duplicates = await metric('switchboard_sdk_event_payloads_total{outcome="duplicate"}');
    const body = summaryOf('dedupe', [{ variation: 0, count: 5 }, { count: 2 }]);
    const first = await post('/bulk', body, { 'x-launchdarkly-payload-id': payloadId });
    const retry = await post('/bulk', body, { 'x-launchdarkly-payload-id': payloadId });
    expect([first.status, retry.status]).toEqual([202, 202]);
    expect(await metric('switchboard_sdk_event_payloads_total{outcome="duplicate"}')).toBe(duplicates + 1);
    // The same id from another environment is another payload.
    const elsewhere = await post('/bulk', summaryOf('dedupe', [{ variation: 0, count: 1 }]), {
      authorization: otherSdkKey,
      'x-launchdarkly-payload-id': payloadId,
    });
    expect(elsewhere.status).toBe(202);
    // And a new id here counts again.
    await post('/bulk', summaryOf('dedupe', [{ variation: 0, count: 1 }]), {
      'x-launchdarkly-payload-id': randomUUID(),
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const found = await evaluationsWhen('dedupe', 8);
    expect(found.variations).toEqual([
      { variation: null, count: 2 },
      { variation: 0, count: 6 },
    ]);
    expect(found.totalCount).toBe(8);
  });

  it('accepts diagnostic events with 202 and keeps none of them', async () => {
    const res = await post('/diagnostic', {
      kind: 'diagnostic-init',
      id: { diagnosticId: randomUUID(), sdkKeySuffix: sdkKey.slice(-6) },
      creationDate: Date.now(),
      sdk: { name: 'node-server-sdk', version: '9.0.0' },
    });
    expect(res.status).toBe(202);
  });
});

describe('GET /api/v2/flags/{projectKey}/{flagKey}/evaluations', () => {
  it('is a read of the project (viewProject) and 404s what does not exist', async () => {
    await t.api('POST', '/api/v2/roles', {
      key: 'blog-only',
      name: 'Blog only',
      policy: [{ effect: 'allow', resources: ['proj/blog'], actions: ['viewProject'] }],
    });
    const token = await t.api('POST', '/api/v2/tokens', {
      name: 'blog reader',
      customRoleIds: ['blog-only'],
    });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    const asBlog = { authorization: token.body.token as string };
    expect(
      (await t.api('GET', '/api/v2/flags/shop/banner/evaluations?env=production', undefined, asBlog)).status,
    ).toBe(403);
    // An SDK key does not open the REST API.
    expect(
      (
        await t.api('GET', '/api/v2/flags/shop/banner/evaluations?env=production', undefined, {
          authorization: sdkKey,
        })
      ).status,
    ).toBe(401);
    expect((await t.api('GET', '/api/v2/flags/shop/nope/evaluations?env=production')).status).toBe(404);
    expect((await t.api('GET', '/api/v2/flags/shop/banner/evaluations?env=staging')).status).toBe(404);
    const bad = await t.api('GET', '/api/v2/flags/shop/banner/evaluations?env=production&hours=0');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe('query /hours');
    const missing = await t.api('GET', '/api/v2/flags/shop/banner/evaluations');
    expect(missing.body.errors[0].pointer).toBe('query /env');
  });

  it('answers a flag never evaluated with zero and no date', async () => {
    const res = await t.api('GET', '/api/v2/flags/shop/quiet/evaluations?env=test');
    expect(res.body).toMatchObject({
      projectKey: 'shop',
      flagKey: 'quiet',
      environmentKey: 'test',
      hours: 24,
      totalCount: 0,
      variations: [],
      lastEvaluated: null,
    });
    expect(res.body.to - res.body.from).toBeGreaterThan(23 * 3_600_000);
    expect(res.body.to - res.body.from).toBeLessThanOrEqual(24 * 3_600_000);
  });
});

describe('FlagEvaluationStore', () => {
  it('adds up what several nodes write at once, keeps the latest date and prunes old hours', async () => {
    const store = new FlagEvaluationStore();
    const { db } = t.switchboard.database;
    const env = { projectKey: 'store', envKey: 'production' };
    const hour = hourOf(Date.now());
    const old = hour - 30 * hourMs;
    // Eight "nodes" (separate transactions, on PostgreSQL separate connections) writing the same
    // rows, each in its own order: sorted in the store, so they wait for each other, never deadlock.
    const writes = Array.from({ length: 8 }, (_, i) => {
      const counts = [
        { ...env, flagKey: 'f', variation: 0, hour, count: i + 1 },
        { ...env, flagKey: 'f', variation: -1, hour, count: 1 },
        { ...env, flagKey: 'f', variation: 1, hour: old, count: 100 },
        { ...env, flagKey: 'g', variation: 0, hour, count: 1 },
      ];
      if (i % 2 === 1) counts.reverse();
      const last = [
        { ...env, flagKey: 'f', at: hour + i * 1000 },
        { ...env, flagKey: 'g', at: hour + 1 },
      ];
      return db.transaction().execute((tx) => store.add(tx, counts, last));
    });
    await Promise.all(writes);
    expect(await store.countsSince(db, env, 'f', hour)).toEqual([
      { variation: -1, count: 8 },
      { variation: 0, count: 36 },
    ]);
    expect(await store.countsSince(db, env, 'f', old)).toEqual([
      { variation: -1, count: 8 },
      { variation: 0, count: 36 },
      { variation: 1, count: 800 },
    ]);
    expect(await store.lastEvaluated(db, env, 'f')).toBe(hour + 7000);
    // An earlier date arriving late does not move it back.
    await store.add(db, [], [{ ...env, flagKey: 'f', at: hour }]);
    expect(await store.lastEvaluated(db, env, 'f')).toBe(hour + 7000);
    expect(await store.lastEvaluated(db, { ...env, envKey: 'test' }, 'f')).toBeUndefined();
    expect(await store.prune(db, hour - 24 * hourMs)).toBeGreaterThanOrEqual(1);
    expect(await store.countsSince(db, env, 'f', old)).toHaveLength(2);
  });
});
