import { connect, type Socket } from 'node:net';
import type { LDClient } from '@launchdarkly/node-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/features/audit/audit-model.js';
import { access, resources } from '../../src/features/audit/resource-path.js';
import type { FlagDoc } from '../../src/features/flags/flag-model.js';
import type { SdkChange } from '../../src/features/sdk/sdk-change.js';
import { createStores } from '../../src/features/stores.js';
import { adminToken } from '../helpers/test-switchboard.js';
import {
  type DataPlaneKit,
  eventually,
  metricsToken,
  nextUpdate,
  project,
  rawStream,
  sdkClient,
  startDataPlane,
  user,
} from './sdk-data-plane-kit.js';

/**
 * Server-side streaming end to end: LaunchDarkly's official Node SDK streams `/all` from a
 * Switchboard on a real port and sees committed changes (and only those) as they happen.
 * Runs on SQLite and (vitest.postgres.config.ts) PostgreSQL.
 */

let kit: DataPlaneKit;
let client: LDClient;
const heartbeatMs = 150;
const maxBufferedBytes = 64 * 1024;

beforeAll(async () => {
  kit = await startDataPlane({ sdkStreams: { heartbeatMs, maxBufferedBytes } });
  client = sdkClient(kit.base, kit.sdkKey);
  await client.waitForInitialization({ timeout: 10 });
}, 60_000);

afterAll(async () => {
  client?.close();
  await kit?.close();
});

const patchFlag = async (key: string, ops: unknown[]) => {
  const res = await kit.t.api('PATCH', `/api/v2/flags/${project}/${key}`, ops);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};

describe('the official SDK streaming from Switchboard', () => {
  it('initializes and evaluates targets, rules and segments as LaunchDarkly does', async () => {
    expect(client.initialized()).toBe(true);
    const alice = await client.variationDetail('checkout', user('alice', { email: 'alice@acme.com' }), 'x');
    expect(alice).toMatchObject({ value: false, variationIndex: 1, reason: { kind: 'TARGET_MATCH' } });
    const dana = await client.variationDetail('checkout', user('dana', { email: 'dana@acme.com' }), 'x');
    expect(dana).toMatchObject({
      value: true,
      variationIndex: 0,
      reason: { kind: 'RULE_MATCH', ruleIndex: 0, ruleId: 'r-acme' },
    });
    const bob = await client.variationDetail('checkout', user('bob'), 'x');
    expect(bob).toMatchObject({
      value: true,
      reason: { kind: 'RULE_MATCH', ruleIndex: 1, ruleId: 'r-beta' },
    });
    const eve = await client.variationDetail('checkout', user('eve', { email: 'eve@example.com' }), 'x');
    expect(eve).toMatchObject({ value: false, variationIndex: 1, reason: { kind: 'FALLTHROUGH' } });
    // Off in production until turned on; the test environment is another stream's business.
    expect(await client.variationDetail('banner', user('eve'), 'x')).toMatchObject({
      value: false,
      reason: { kind: 'OFF' },
    });
  });

  it('hears a toggle, a rule edit and a segment edit as they commit', async () => {
    let update = nextUpdate(client, 'banner');
    await patchFlag('banner', [{ op: 'replace', path: '/environments/production/on', value: true }]);
    await update;
    expect(await client.variationDetail('banner', user('eve'), 'x')).toMatchObject({
      value: true,
      reason: { kind: 'FALLTHROUGH' },
    });

    update = nextUpdate(client, 'checkout');
    await patchFlag('checkout', [
      { op: 'replace', path: '/environments/production/rules/0/clauses/0/values', value: ['@example.com'] },
    ]);
    await update;
    expect(await client.variation('checkout', user('eve', { email: 'eve@example.com' }), 'x')).toBe(true);
    expect(await client.variation('checkout', user('dana', { email: 'dana@acme.com' }), 'x')).toBe(false);

    // The flag depends on the segment: the SDK announces the flag.
    update = nextUpdate(client, 'checkout');
    const res = await kit.t.api('PATCH', `/api/v2/segments/${project}/production/beta`, [
      { op: 'add', path: '/included/-', value: 'carol' },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await update;
    expect(await client.variationDetail('checkout', user('carol'), 'x')).toMatchObject({
      value: true,
      reason: { kind: 'RULE_MATCH', ruleId: 'r-beta' },
    });
  });

  it('forgets an archived flag and a deleted one', async () => {
    let update = nextUpdate(client, 'banner');
    await patchFlag('banner', [{ op: 'replace', path: '/archived', value: true }]);
    await update;
    expect(await client.variationDetail('banner', user('eve'), 'fallback')).toMatchObject({
      value: 'fallback',
      reason: { kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' },
    });
    update = nextUpdate(client, 'banner');
    await patchFlag('banner', [{ op: 'replace', path: '/archived', value: false }]);
    await update;
    expect(await client.variation('banner', user('eve'), 'fallback')).toBe(true);

    update = nextUpdate(client, 'loud');
    expect((await kit.t.api('DELETE', `/api/v2/flags/${project}/loud`)).status).toBe(204);
    await update;
    expect(await client.variationDetail('loud', user('eve'), 'fallback')).toMatchObject({
      reason: { kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' },
    });
  });

  it('sends nothing for a change rolled back, even when it shares its commit with one that is not', async () => {
    const fed: SdkChange[] = [];
    kit.t.switchboard.sdk.feed.subscribe({ changed: (changes) => fed.push(...changes), resync: () => {} });
    const stores = createStores();
    const system: Actor = { member: { _id: 'system', email: 'system@switchboard.test' } };
    const toggle = (key: string, fail: boolean) =>
      kit.t.switchboard.changes.transact(async (tx, record) => {
        const project_ = await stores.projects.getOrThrow(tx, '', project);
        const env = await stores.environments.getOrThrow(tx, project, 'production');
        const flag = await stores.flags.getOrThrow(tx, project, key);
        const config = flag.doc.environments.production;
        if (config === undefined) throw new Error('no production configuration');
        const doc: FlagDoc = {
          ...flag.doc,
          environments: {
            ...flag.doc.environments,
            production: { ...config, on: !config.on, version: config.version + 1 },
          },
        };
        await stores.flags.update(tx, flag, doc);
        await record({
          kind: 'flag',
          name: key,
          actor: system,
          accesses: [
            access(
              'updateOn',
              ...resources.flag(
                { key: project, tags: project_.doc.tags },
                { key: 'production', tags: env.doc.tags },
                { key, tags: flag.doc.tags },
              ),
            ),
          ],
          titleVerb: 'turned on the flag',
          changes: [],
        });
        if (fail) throw new Error('rolled back after recording');
      });
    const quietUpdates: string[] = [];
    client.on('update', ({ key }: { key: string }) => {
      if (key === 'quiet') quietUpdates.push(key);
    });
    const checkoutUpdate = nextUpdate(client, 'checkout');
    // Same turn: on SQLite one group commit, the first rolled back to its savepoint.
    const outcomes = await Promise.allSettled([toggle('quiet', true), toggle('checkout', false)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled']);
    await checkoutUpdate;
    // The committed change is heard; give the rolled-back one time to show up if it were sent.
    await new Promise((r) => setTimeout(r, 300));
    expect(fed.map((c) => `${c.kind}:${c.key}`)).toEqual(['flag:checkout']);
    expect(quietUpdates).toEqual([]);
    expect(await client.variationDetail('quiet', user('eve'), 'x')).toMatchObject({
      reason: { kind: 'OFF' },
    });
    expect(await client.variationDetail('checkout', user('eve'), 'x')).toMatchObject({
      reason: { kind: 'OFF' },
    });
    await patchFlag('checkout', [{ op: 'replace', path: '/environments/production/on', value: true }]);
  });
});

describe('the /all stream on the wire', () => {
  it('starts with a put, sends heartbeats, and versions only grow', async () => {
    const stream = await rawStream(kit.base, kit.sdkKey);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await stream.until((events) => events.length > 0);
    expect(stream.events[0]?.event).toBe('put');
    const put = JSON.parse(stream.events[0]?.data ?? '') as {
      path: string;
      data: { flags: Record<string, { version: number }> };
    };
    expect(put.path).toBe('/');
    let last = put.data.flags.checkout?.version ?? 0;
    for (let i = 0; i < 3; i++) {
      await patchFlag('checkout', [
        { op: 'replace', path: '/environments/production/trackEvents', value: i % 2 === 0 },
      ]);
      await stream.until((events) => events.filter((e) => e.event === 'patch').length > i);
    }
    for (const event of stream.events.filter((e) => e.event === 'patch')) {
      const patch = JSON.parse(event.data) as { path: string; data: { version: number } };
      expect(patch.path).toBe('/flags/checkout');
      expect(patch.data.version).toBeGreaterThan(last);
      last = patch.data.version;
    }
    const comments = stream.events.filter((e) => e.event === 'comment').length;
    await stream.until(
      (events) => events.filter((e) => e.event === 'comment').length >= comments + 2,
      heartbeatMs * 10,
    );
    await stream.close();
  });

  it('refuses a wrong key, a REST token and no key with the same 401; an SDK key opens no REST API', async () => {
    const bodies: string[] = [];
    for (const authorization of ['sdk-00000000-0000-0000-0000-000000000000', adminToken, '']) {
      const res = await fetch(`${kit.base}/all`, { headers: authorization === '' ? {} : { authorization } });
      expect(res.status).toBe(401);
      bodies.push(await res.text());
    }
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).not.toContain('sdk-');
    const rest = await fetch(`${kit.base}/api/v2/projects`, { headers: { authorization: kit.sdkKey } });
    expect(rest.status).toBe(401);

    const wrong = sdkClient(kit.base, 'sdk-00000000-0000-0000-0000-000000000000');
    await expect(wrong.waitForInitialization({ timeout: 5 })).rejects.toThrow();
    expect(wrong.initialized()).toBe(false);
    wrong.close();
  });

  it('ends the streams of a rotated key: at once without a grace period, when it passes with one', async () => {
    const keyOf = async () =>
      (await kit.t.api('GET', `/api/v2/projects/${project}/environments/test`)).body.apiKey as string;
    const rotate = async (body?: unknown) => {
      const res = await kit.t.api('POST', `/api/v2/projects/${project}/environments/test/apiKey`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };
    const oldKey = await keyOf();
    const stream = await rawStream(kit.base, oldKey);
    await stream.until((events) => events.some((e) => e.event === 'put'));
    await rotate({ expiry: Date.now() + 1_000 });
    const newKey = await keyOf();
    // Within the grace period both keys read flags, and the open stream stays.
    await new Promise((r) => setTimeout(r, heartbeatMs * 3));
    expect(stream.ended).toBe(false);
    const fresh = await rawStream(kit.base, newKey);
    await fresh.until((events) => events.some((e) => e.event === 'put'));
    // Past it, the next heartbeat's check ends the old key's stream, not the new one's.
    await eventually(() => stream.ended, 5_000);
    expect(fresh.ended).toBe(false);
    expect((await fetch(`${kit.base}/all`, { headers: { authorization: oldKey } })).status).toBe(401);

    await rotate();
    await eventually(() => fresh.ended, 5_000);
    await stream.close();
    await fresh.close();
  });

  it('drops a client that does not read once it holds too much, and serves it a put when it comes back', async () => {
    const { plane } = kit.t.switchboard.sdk;
    // A flag whose every patch is large, so an unread stream fills up quickly.
    const big = 'x'.repeat(200_000);
    const created = await kit.t.api('POST', `/api/v2/flags/${project}`, {
      key: 'big',
      name: 'big',
      variations: [{ value: big }, { value: `${big}!` }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const before = plane.streamCount();
    const droppedBefore = plane.dropped;
    const socket: Socket = connect(Number(new URL(kit.base).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET /all HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${kit.sdkKey}\r\n\r\n`);
    // Never read: the kernel's buffers fill, then the server's, up to the bound.
    socket.pause();
    await eventually(() => plane.streamCount() === before + 1);
    const patchesReceivedElsewhere: string[] = [];
    client.on('update', ({ key }: { key: string }) => {
      if (key === 'big') patchesReceivedElsewhere.push(key);
    });
    let toggles = 0;
    while (plane.dropped === droppedBefore && toggles < 200) {
      await patchFlag('big', [
        { op: 'replace', path: '/environments/production/on', value: toggles % 2 === 0 },
      ]);
      toggles++;
    }
    expect(plane.dropped).toBe(droppedBefore + 1);
    await eventually(() => plane.streamCount() === before);
    const scraped = await kit.t.api('GET', '/metrics', undefined, {
      authorization: `Bearer ${metricsToken}`,
    });
    expect(scraped.body).toContain(`switchboard_sdk_streams_dropped ${droppedBefore + 1}`);
    expect(scraped.body).toContain(`switchboard_sdk_streams ${before}`);
    // The reading client was not held back by the one that did not read.
    await eventually(() => patchesReceivedElsewhere.length >= toggles - 1);
    socket.destroy();

    const again = await rawStream(kit.base, kit.sdkKey);
    await again.until((events) => events.length > 0);
    expect(again.events[0]?.event).toBe('put');
    expect(JSON.parse(again.events[0]?.data ?? '').data.flags.big.on).toBe(toggles % 2 === 1);
    await again.close();
  }, 60_000);
});
