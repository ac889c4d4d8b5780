import { connect, type Socket } from 'node:net';
import type { LDClient } from '@launchdarkly/node-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/until.js';
import {
  type DataPlaneKit,
  eventually,
  metricsToken,
  project,
  sdkClient,
  startDataPlane,
  user,
  type WireEvent,
} from './sdk-data-plane-kit.js';

/**
 * The client-side and mobile SDK endpoints over real HTTP against a real Switchboard: `evalx`
 * (GET and REPORT), the `/eval` stream, events, the mobile forms, CORS and bad input. Results are
 * compared with what LaunchDarkly's official server SDK computes from the same flags.
 */

let kit: DataPlaneKit;
let server: LDClient;
let envId: string;
let mobileKey: string;

const b64 = (context: unknown) => Buffer.from(JSON.stringify(context)).toString('base64url');
const alice = user('alice', { email: 'alice@acme.com' });
const dana = user('dana', { email: 'dana@acme.com' });

const patchFlag = async (key: string, ops: unknown[]) => {
  const res = await kit.t.api('PATCH', `/api/v2/flags/${project}/${key}`, ops);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};
const availability = (usingEnvironmentId: boolean, usingMobileKey: boolean) => ({
  op: 'replace',
  path: '/clientSideAvailability',
  value: { usingEnvironmentId, usingMobileKey },
});

beforeAll(async () => {
  kit = await startDataPlane({ sdkStreams: { heartbeatMs: 150, maxBufferedBytes: 64 * 1024 } });
  const env = await kit.t.api('GET', `/api/v2/projects/${project}/environments/production`);
  envId = env.body._id as string;
  mobileKey = env.body.mobileKey as string;
  // checkout: browsers and mobile; banner: browsers only; quiet: mobile only; loud: neither.
  await patchFlag('checkout', [
    availability(true, true),
    { op: 'replace', path: '/environments/production/offVariation', value: 1 },
  ]);
  await patchFlag('banner', [availability(true, false)]);
  await patchFlag('quiet', [availability(false, true)]);
  await patchFlag('loud', [availability(false, false)]);
  server = sdkClient(kit.base, kit.sdkKey);
  await server.waitForInitialization({ timeout: 10 });
}, 60_000);

afterAll(async () => {
  server?.close();
  await kit?.close();
});

type Results = Record<string, Record<string, unknown>>;

async function evalx(context: unknown, query = ''): Promise<Results> {
  const res = await fetch(`${kit.base}/sdk/evalx/${envId}/contexts/${b64(context)}${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Results;
}

async function report(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${kit.base}${path}`, {
    method: 'REPORT',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

/** Reads an SSE response as events (comments are `comment`). */
async function openStream(path: string, init: RequestInit = {}) {
  const controller = new AbortController();
  const res = await fetch(`${kit.base}${path}`, { ...init, signal: controller.signal });
  const events: WireEvent[] = [];
  let ended = false;
  const reading = (async () => {
    if (res.body === null) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) events.push({ event: 'comment', data: '' });
          else
            events.push({
              event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message',
              data: /^data: (.*)$/m.exec(block)?.[1] ?? '',
            });
        }
      }
    } catch {
      // Closed by the test.
    }
    ended = true;
  })();
  const named = () => events.filter((e) => e.event !== 'comment');
  return {
    res,
    named,
    /** Whether the server ended the stream (or the test closed it). */
    get ended() {
      return ended;
    },
    async until(predicate: (events: readonly WireEvent[]) => boolean, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(named())) {
        if (Date.now() > deadline) throw new Error(`stream: got ${JSON.stringify(named())}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

describe('evalx for browsers (client-side ID)', () => {
  it('answers every flag available to browsers, in the shape the client SDKs parse', async () => {
    const results = await evalx(alice);
    expect(Object.keys(results).sort()).toEqual(['banner', 'checkout']);
    expect(results.checkout).toEqual({
      value: false,
      variation: 1,
      version: expect.any(Number),
      flagVersion: expect.any(Number),
      trackEvents: false,
    });
  });

  it('answers a context asked again the same, and follows a change at once', async () => {
    const first = await evalx(alice, '?withReasons=true');
    expect(await evalx(alice, '?withReasons=true')).toEqual(first);
    expect(first.checkout?.reason).not.toEqual({ kind: 'OFF' });
    await patchFlag('checkout', [{ op: 'replace', path: '/environments/production/on', value: false }]);
    try {
      expect((await evalx(alice, '?withReasons=true')).checkout?.reason).toEqual({ kind: 'OFF' });
    } finally {
      await patchFlag('checkout', [{ op: 'replace', path: '/environments/production/on', value: true }]);
    }
    expect((await evalx(alice, '?withReasons=true')).checkout?.reason).toEqual(first.checkout?.reason);
  });

  it('gives with withReasons=true the reason the official server SDK gives, for GET and REPORT', async () => {
    // The test before turned the flag off and on again: its stream may not have told the SDK yet.
    await until(
      'the server SDK has the flag on again',
      async () => (await server.variationDetail('checkout', alice, 'fallback')).reason.kind !== 'OFF',
    );
    for (const context of [alice, dana, user('bob'), user('carol', { email: 'carol@else.org' })]) {
      const detail = await server.variationDetail('checkout', context, 'fallback');
      const viaGet = (await evalx(context, '?withReasons=true')).checkout;
      expect(viaGet).toMatchObject({
        value: detail.value,
        variation: detail.variationIndex,
        reason: detail.reason,
      });
      const res = await report(`/sdk/evalx/${envId}/context?withReasons=true`, JSON.stringify(context));
      expect(res.status).toBe(200);
      expect(((await res.json()) as Results).checkout).toMatchObject({
        value: detail.value,
        reason: detail.reason,
      });
    }
  });

  it('lets any origin read it and answers the preflight of a REPORT with the SDK headers', async () => {
    const origin = 'https://app.example.com';
    const preflight = await fetch(`${kit.base}/sdk/evalx/${envId}/context`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'REPORT',
        'access-control-request-headers': 'content-type,x-launchdarkly-user-agent',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('REPORT');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-launchdarkly-user-agent');
    const get = await fetch(`${kit.base}/sdk/evalx/${envId}/contexts/${b64(alice)}`, { headers: { origin } });
    expect(get.headers.get('access-control-allow-origin')).toBe(origin);
    // Errors too, or the browser could not read why.
    const bad = await fetch(`${kit.base}/sdk/evalx/${envId}/contexts/@@`, { headers: { origin } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('access-control-allow-origin')).toBe(origin);
  });
});

describe('bad input', () => {
  const errorOf = async (res: Response) =>
    (await res.json()) as { code: string; errors?: { pointer: string; message: string }[] };

  it('refuses malformed base64, non-JSON, a context without a key and a kind named multi, with a pointer', async () => {
    const path = (encoded: string) => fetch(`${kit.base}/sdk/evalx/${envId}/contexts/${encoded}`);
    const cases: [Response, string][] = [
      [await path('not*base64'), 'path /context'],
      [await path(Buffer.from('{"kind": "user",').toString('base64url')), 'path /context'],
      [await path(b64({ kind: 'user', name: 'no key' })), 'path /context/key'],
      [await path(b64({ kind: 'multi', multi: { key: 'm' }, user: { key: 'u' } })), 'path /context/multi'],
    ];
    for (const [res, pointer] of cases) {
      expect(res.status).toBe(400);
      const body = await errorOf(res);
      expect(body.code).toBe('invalid_request');
      expect(body.errors?.[0]?.pointer.startsWith(pointer), JSON.stringify(body)).toBe(true);
    }
    const noKey = await report(`/sdk/evalx/${envId}/context`, JSON.stringify({ kind: 'user' }));
    expect(noKey.status).toBe(400);
    expect((await errorOf(noKey)).errors?.[0]?.pointer).toBe('/key');
  });

  it('answers 413 to a 1 MB context and 404 to a client-side ID that does not exist', async () => {
    const huge = JSON.stringify(user('big', { blob: 'x'.repeat(1024 * 1024) }));
    expect((await report(`/sdk/evalx/${envId}/context`, huge)).status).toBe(413);
    const unknown = await fetch(`${kit.base}/sdk/evalx/000000000000000000000000/contexts/${b64(alice)}`);
    expect(unknown.status).toBe(404);
    const stream = await fetch(`${kit.base}/eval/000000000000000000000000/${b64(alice)}`);
    expect(stream.status).toBe(404);
  });
});

describe('the /eval stream', () => {
  it('sends a put, then a patch to the contexts whose result changed, and nothing to the others', async () => {
    const forAlice = await openStream(`/eval/${envId}/${b64(alice)}`);
    const forDana = await openStream(`/eval/${envId}/${b64(dana)}`);
    const forDanaReport = await openStream(`/eval/${envId}`, {
      method: 'REPORT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(dana),
    });
    try {
      expect(forAlice.res.headers.get('content-type')).toContain('text/event-stream');
      for (const s of [forAlice, forDana, forDanaReport]) await s.until((e) => e.length >= 1);
      const put = JSON.parse(forDana.named()[0]?.data ?? '') as Results;
      expect(forDana.named()[0]?.event).toBe('put');
      expect(put.checkout).toMatchObject({ value: true, variation: 0 });
      expect(JSON.parse(forDanaReport.named()[0]?.data ?? '')).toEqual(put);

      // Off: dana's rule no longer serves true; alice's target and the off variation agree.
      await patchFlag('checkout', [{ op: 'replace', path: '/environments/production/on', value: false }]);
      await forDana.until((e) => e.length >= 2);
      const patch = forDana.named()[1];
      expect(patch?.event).toBe('patch');
      const data = JSON.parse(patch?.data ?? '') as Record<string, unknown>;
      expect(data).toMatchObject({ key: 'checkout', value: false, variation: 1 });
      expect(data.version as number).toBeGreaterThan(put.checkout?.version as number);
      await forDanaReport.until((e) => e.length >= 2);
      // A later change reaches alice: had the toggle been sent to her, it would come first.
      await patchFlag('banner', [availability(false, false)]);
      await forAlice.until((e) => e.length >= 2);
      expect(forAlice.named().slice(1)).toEqual([
        { event: 'delete', data: expect.stringContaining('"key":"banner"') },
      ]);
    } finally {
      await Promise.all([forAlice.close(), forDana.close(), forDanaReport.close()]);
      await patchFlag('checkout', [{ op: 'replace', path: '/environments/production/on', value: true }]);
      await patchFlag('banner', [availability(true, false)]);
    }
  });
});

describe('the /eval stream and segments', () => {
  it('patches a context whose segment membership changed the result', async () => {
    const bob = await openStream(`/eval/${envId}/${b64(user('bob'))}`);
    try {
      await bob.until((e) => e.length >= 1);
      expect((JSON.parse(bob.named()[0]?.data ?? '') as Results).checkout).toMatchObject({ value: true });
      const res = await kit.t.api('PATCH', `/api/v2/segments/${project}/production/beta`, [
        { op: 'replace', path: '/included', value: [] },
      ]);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      await bob.until((e) => e.length >= 2);
      expect(JSON.parse(bob.named()[1]?.data ?? '')).toMatchObject({ key: 'checkout', value: false });
    } finally {
      await bob.close();
      await kit.t.api('PATCH', `/api/v2/segments/${project}/production/beta`, [
        { op: 'replace', path: '/included', value: ['bob'] },
      ]);
    }
  });
});

describe('a deleted environment', () => {
  it('ends its client streams, and its client-side ID no longer opens anything', async () => {
    const created = await kit.t.api('POST', `/api/v2/projects/${project}/environments`, {
      key: 'doomed',
      name: 'Doomed',
      color: '336699',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body._id as string;
    const stream = await openStream(`/eval/${id}/${b64(alice)}`);
    try {
      await stream.until((e) => e.length >= 1);
      expect(stream.named()[0]?.event).toBe('put');
      const deleted = await kit.t.api('DELETE', `/api/v2/projects/${project}/environments/doomed`);
      expect(deleted.status).toBe(204);
      await eventually(() => stream.ended);
      expect((await fetch(`${kit.base}/sdk/evalx/${id}/contexts/${b64(alice)}`)).status).toBe(404);
    } finally {
      await stream.close();
    }
  });
});

describe('mobile (mobile key)', () => {
  it('answers evalx and the stream with the mobile key, only mobile flags, and 401 to the SDK key', async () => {
    const get = await fetch(`${kit.base}/msdk/evalx/contexts/${b64(alice)}`, {
      headers: { authorization: mobileKey },
    });
    expect(get.status).toBe(200);
    expect(Object.keys((await get.json()) as Results).sort()).toEqual(['checkout', 'quiet']);
    const viaReport = await report('/msdk/evalx/context', JSON.stringify(alice), {
      authorization: mobileKey,
    });
    expect(Object.keys((await viaReport.json()) as Results).sort()).toEqual(['checkout', 'quiet']);
    const wrong = await fetch(`${kit.base}/msdk/evalx/contexts/${b64(alice)}`, {
      headers: { authorization: kit.sdkKey },
    });
    expect(wrong.status).toBe(401);
    const streams = [
      await openStream(`/meval/${b64(alice)}`, { headers: { authorization: mobileKey } }),
      await openStream('/meval', {
        method: 'REPORT',
        headers: { authorization: mobileKey, 'content-type': 'application/json' },
        body: JSON.stringify(alice),
      }),
    ];
    try {
      for (const stream of streams) {
        await stream.until((e) => e.length >= 1);
        expect(Object.keys(JSON.parse(stream.named()[0]?.data ?? '') as Results).sort()).toEqual([
          'checkout',
          'quiet',
        ]);
      }
    } finally {
      await Promise.all(streams.map((s) => s.close()));
    }
    const refused = await fetch(`${kit.base}/meval/${b64(alice)}`, {
      headers: { authorization: kit.sdkKey },
    });
    expect(refused.status).toBe(401);
  });
});

describe('client-side events', () => {
  it('accepts browser and mobile events (202) and counts their summaries', async () => {
    const summary = (count: number) => [
      {
        kind: 'summary',
        startDate: Date.now() - 1_000,
        endDate: Date.now(),
        features: {
          banner: { default: false, contextKinds: ['user'], counters: [{ variation: 1, version: 1, count }] },
        },
      },
    ];
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${kit.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await post(`/events/bulk/${envId}`, summary(2))).status).toBe(202);
    expect((await post(`/events/diagnostic/${envId}`, { kind: 'diagnostic' })).status).toBe(202);
    expect((await post('/mobile/events/bulk', summary(3), { authorization: mobileKey })).status).toBe(202);
    expect((await post('/mobile/events/bulk', summary(3), { authorization: kit.sdkKey })).status).toBe(401);
    expect((await post('/events/bulk/000000000000000000000000', summary(1))).status).toBe(404);
    const deadline = Date.now() + 10_000;
    let total = 0;
    while (total < 5 && Date.now() < deadline) {
      const res = await kit.t.api(
        'GET',
        `/api/v2/flags/${project}/banner/evaluations?env=production&hours=24`,
      );
      total = res.body.totalCount as number;
      if (total < 5) await new Promise((r) => setTimeout(r, 100));
    }
    expect(total).toBe(5);
  });
});

describe('POST /api/v2/projects/{p}/environments/{e}/flags/evaluate', () => {
  const path = `/api/v2/projects/${project}/environments/production/flags/evaluate`;
  type Item = { key: string; name: string; _value: unknown; _variationIndex?: number; reason: unknown };

  it('gives every flag, client-side or not, with the value and reason the official server SDK gives', async () => {
    for (const context of [alice, dana, user('bob')]) {
      const res = await kit.t.api('POST', path, context);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const items = res.body.items as Item[];
      expect(items.map((i) => i.key).sort()).toEqual(['banner', 'checkout', 'loud', 'quiet']);
      for (const item of items) {
        const detail = await server.variationDetail(item.key, context, 'fallback');
        expect(item).toMatchObject({ _value: detail.value, reason: detail.reason });
        expect(item._variationIndex).toBe(detail.variationIndex);
      }
    }
  });

  it('needs viewProject, and answers 400 with a pointer, 404 and 413 as the SDK endpoints do', async () => {
    await kit.t.api('POST', '/api/v2/roles', {
      key: 'elsewhere',
      name: 'Elsewhere',
      policy: [{ effect: 'allow', resources: ['proj/other'], actions: ['viewProject'] }],
    });
    const token = await kit.t.api('POST', '/api/v2/tokens', {
      name: 'elsewhere',
      customRoleIds: ['elsewhere'],
    });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    const denied = await kit.t.api('POST', path, alice, { authorization: token.body.token as string });
    expect(denied.status).toBe(403);
    const noKey = await kit.t.api('POST', path, { kind: 'user', name: 'x' });
    expect(noKey.status).toBe(400);
    expect(noKey.body.errors[0].pointer).toBe('/key');
    const unknown = await kit.t.api(
      'POST',
      `/api/v2/projects/${project}/environments/nope/flags/evaluate`,
      alice,
    );
    expect(unknown.status).toBe(404);
    const big = await kit.t.api('POST', path, user('big', { blob: 'x'.repeat(100 * 1024) }));
    expect(big.status).toBe(413);
  });
});

describe('client streams at scale', () => {
  it('evaluates identical contexts once: streams are grouped by context, and /metrics counts both', async () => {
    const { clients } = kit.t.switchboard.sdk;
    const before = { contexts: clients.contextCount(), streams: clients.streamCount() };
    const streams = await Promise.all([
      openStream(`/eval/${envId}/${b64(alice)}`),
      openStream(`/eval/${envId}/${b64(alice)}`),
      openStream(`/eval/${envId}`, {
        method: 'REPORT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alice),
      }),
      openStream(`/eval/${envId}/${b64(dana)}`),
    ]);
    try {
      for (const s of streams) await s.until((e) => e.length >= 1);
      expect(clients.streamCount()).toBe(before.streams + 4);
      expect(clients.contextCount()).toBe(before.contexts + 2);
      const scraped = await kit.t.api('GET', '/metrics', undefined, {
        authorization: `Bearer ${metricsToken}`,
      });
      expect(scraped.body).toContain(`switchboard_sdk_client_streams ${before.streams + 4}\n`);
      expect(scraped.body).toContain(`switchboard_sdk_client_stream_contexts ${before.contexts + 2}\n`);
      expect(scraped.body).toMatch(/^switchboard_sdk_client_streams_dropped \d+$/m);
    } finally {
      await Promise.all(streams.map((s) => s.close()));
    }
    await eventually(
      () => clients.streamCount() === before.streams && clients.contextCount() === before.contexts,
    );
  });

  it('drops a client that does not read once it holds too much; the readers keep getting changes', async () => {
    const { clients } = kit.t.switchboard.sdk;
    const big = 'x'.repeat(200_000);
    const created = await kit.t.api('POST', `/api/v2/flags/${project}`, {
      key: 'big',
      name: 'big',
      variations: [{ value: big }, { value: `${big}!` }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await patchFlag('big', [availability(true, false)]);
    const reader = await openStream(`/eval/${envId}/${b64(alice)}`);
    await reader.until((e) => e.length >= 1);
    const droppedBefore = clients.dropped;
    const socket: Socket = connect(Number(new URL(kit.base).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET /eval/${envId}/${b64(alice)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    // Never read: the kernel's buffers fill, then the server's, up to the bound.
    socket.pause();
    let toggles = 0;
    try {
      while (clients.dropped === droppedBefore && toggles < 200) {
        await patchFlag('big', [
          { op: 'replace', path: '/environments/production/on', value: toggles % 2 === 0 },
        ]);
        toggles++;
      }
      expect(clients.dropped).toBe(droppedBefore + 1);
      await reader.until((e) => e.filter((x) => x.data.startsWith('{"key":"big"')).length >= toggles);
    } finally {
      socket.destroy();
      await reader.close();
    }
  }, 60_000);
});
