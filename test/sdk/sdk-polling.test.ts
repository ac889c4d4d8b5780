import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { LDClient } from '@launchdarkly/node-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken } from '../helpers/test-switchboard.js';
import {
  type DataPlaneKit,
  nextUpdate,
  project,
  sdkClient,
  startDataPlane,
  user,
} from './sdk-data-plane-kit.js';

/**
 * Server-side polling end to end: LaunchDarkly's official Node SDK in polling mode
 * (`stream: false`) against a Switchboard on a real port, and the polling endpoints' ETags by
 * raw HTTP. Runs on SQLite and (vitest.postgres.config.ts) PostgreSQL.
 */

let kit: DataPlaneKit;
let client: LDClient;

beforeAll(async () => {
  kit = await startDataPlane();
  client = sdkClient(kit.base, kit.sdkKey, { stream: false });
  await client.waitForInitialization({ timeout: 10 });
}, 60_000);

afterAll(async () => {
  client?.close();
  await kit?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${kit.base}${path}`, { headers: { authorization: kit.sdkKey, ...headers } });

const patchFlag = async (key: string, ops: unknown[]) => {
  const res = await kit.t.api('PATCH', `/api/v2/flags/${project}/${key}`, ops);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};

describe('the official SDK polling Switchboard', () => {
  it('initializes from /sdk/latest-all and evaluates as LaunchDarkly does', async () => {
    expect(client.initialized()).toBe(true);
    expect(await client.variationDetail('checkout', user('alice'), 'x')).toMatchObject({
      value: false,
      reason: { kind: 'TARGET_MATCH' },
    });
    expect(
      await client.variationDetail('checkout', user('dana', { email: 'dana@acme.com' }), 'x'),
    ).toMatchObject({
      value: true,
      reason: { kind: 'RULE_MATCH', ruleId: 'r-acme' },
    });
    expect(await client.variationDetail('checkout', user('bob'), 'x')).toMatchObject({
      value: true,
      reason: { kind: 'RULE_MATCH', ruleId: 'r-beta' },
    });
  });

  it('fails to initialize with a wrong key', async () => {
    const wrong = sdkClient(kit.base, 'sdk-00000000-0000-0000-0000-000000000000', { stream: false });
    await expect(wrong.waitForInitialization({ timeout: 5 })).rejects.toThrow();
    wrong.close();
  });

  it('picks up a change at its next poll (the SDK polls every 30 s at the least)', async () => {
    const update = nextUpdate(client, 'banner', 40_000);
    await patchFlag('banner', [{ op: 'replace', path: '/environments/production/on', value: true }]);
    await update;
    expect(await client.variationDetail('banner', user('eve'), 'x')).toMatchObject({
      value: true,
      reason: { kind: 'FALLTHROUGH' },
    });
  }, 50_000);
});

describe('the polling endpoints on the wire', () => {
  it('answer /sdk/latest-all with a strong ETag, 304 while nothing changed, a new ETag after a change', async () => {
    const first = await get('/sdk/latest-all');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[^"]+"$/);
    const body = (await first.json()) as {
      flags: Record<string, { key: string; version: number }>;
      segments: object;
    };
    expect(Object.keys(body.flags).sort()).toEqual(['banner', 'checkout', 'loud', 'quiet']);
    expect(body.flags.checkout?.key).toBe('checkout');
    expect(Object.keys(body.segments)).toEqual(['beta']);

    const same = await get('/sdk/latest-all', { 'if-none-match': etag });
    expect(same.status).toBe(304);
    expect(await same.text()).toBe('');
    expect(same.headers.get('etag')).toBe(etag);
    // Either of several tags, and the weak form of it, match (RFC 9110's weak comparison).
    expect((await get('/sdk/latest-all', { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);

    await patchFlag('quiet', [{ op: 'replace', path: '/environments/production/on', value: true }]);
    const changed = await get('/sdk/latest-all', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    const after = (await changed.json()) as typeof body;
    expect(after.flags.quiet?.version).toBeGreaterThan(body.flags.quiet?.version ?? Number.POSITIVE_INFINITY);
  });

  it('compress /sdk/latest-all for a client that accepts gzip, with an ETag of its own', async () => {
    const fetchRaw = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const req = httpGet(`${kit.base}/sdk/latest-all`, {
          headers: { authorization: kit.sdkKey, ...headers },
        });
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        });
      });
    const plain = await fetchRaw({});
    const zipped = await fetchRaw({ 'accept-encoding': 'br;q=1, gzip;q=0.8' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toContain('accept-encoding');
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(zipped.body.length).toBeLessThan(plain.body.length);
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
    // Either representation's tag names this version.
    for (const etag of [plain.headers.etag, zipped.headers.etag]) {
      for (const encoding of ['gzip', 'identity']) {
        const held = await fetchRaw({ 'accept-encoding': encoding, 'if-none-match': String(etag) });
        expect(held.status).toBe(304);
      }
    }
    expect((await fetchRaw({ 'accept-encoding': 'gzip;q=0' })).headers['content-encoding']).toBeUndefined();
  });

  it('answer one flag or segment with its own ETag, and 404 for one that is not there', async () => {
    const flag = await get('/sdk/latest-flags/checkout');
    expect(flag.status).toBe(200);
    const etag = flag.headers.get('etag') ?? '';
    expect(await flag.json()).toMatchObject({ key: 'checkout', on: true, deleted: false });
    expect((await get('/sdk/latest-flags/checkout', { 'if-none-match': etag })).status).toBe(304);
    const segment = await get('/sdk/latest-segments/beta');
    expect(segment.status).toBe(200);
    expect(await segment.json()).toMatchObject({ key: 'beta', included: ['bob'] });
    expect((await get('/sdk/latest-flags/nope')).status).toBe(404);
    expect((await get('/sdk/latest-segments/nope')).status).toBe(404);
  });

  it('leave archived and deleted flags out', async () => {
    await patchFlag('loud', [{ op: 'replace', path: '/archived', value: true }]);
    expect((await get('/sdk/latest-flags/loud')).status).toBe(404);
    expect((await kit.t.api('DELETE', `/api/v2/flags/${project}/quiet`)).status).toBe(204);
    expect((await get('/sdk/latest-flags/quiet')).status).toBe(404);
    const all = (await (await get('/sdk/latest-all')).json()) as { flags: object };
    expect(Object.keys(all.flags).sort()).toEqual(['banner', 'checkout']);
  });

  it('refuse wrong keys and REST tokens with the same 401', async () => {
    for (const path of ['/sdk/latest-all', '/sdk/latest-flags/checkout', '/sdk/latest-segments/beta']) {
      for (const authorization of ['sdk-00000000-0000-0000-0000-000000000000', adminToken]) {
        const res = await fetch(`${kit.base}${path}`, { headers: { authorization } });
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ code: 'unauthorized', message: 'Invalid or missing SDK key' });
      }
    }
  });
});
