import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeHipChat, type FakeHipChatOptions } from '../helpers/fake-hipchat.js';

/** Tests of the fake itself: each rule of reference/hipchat.md it enforces, over real HTTP. */

let clock = Date.UTC(2024, 0, 1, 12, 0, 0);
const rooms = [
  { id: 1, name: 'Ops' },
  { id: 2, name: 'Ops Team' },
  { id: 3, name: 'C++ devs' },
  { id: 4, name: 'Équipe: prod' },
];
const tokens = [
  { token: 'room1-token', roomId: 1 },
  { token: 'user-token' },
  { token: 'read-only', scopes: ['view_group'] },
];
const agent = new Agent({ connections: 4 });
const fakes: FakeHipChat[] = [];

async function start(options: FakeHipChatOptions = {}): Promise<FakeHipChat> {
  const fake = await FakeHipChat.start({ rooms, tokens, now: () => clock, ...options });
  fakes.push(fake);
  return fake;
}

let fake: FakeHipChat;

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON error bodies
  body: any;
}

async function send(
  target: FakeHipChat,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    raw?: string;
    contentType?: string;
    method?: 'POST' | 'GET';
  } = {},
): Promise<Sent> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const res = await request(`${target.url}${path}`, {
    dispatcher: agent,
    method: options.method ?? 'POST',
    headers,
    ...(options.method === 'GET'
      ? {}
      : { body: options.raw ?? JSON.stringify(options.body ?? { message: 'hi' }) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

const notify = (room: string, body?: unknown, token = 'user-token') =>
  send(fake, `/v2/room/${room}/notification`, { token, body });

beforeAll(async () => {
  fake = await start();
});

afterEach(() => {
  fake.reset();
  fake.setLimits({
    tokenRateLimit: { limit: 500, windowMs: 300_000 },
    roomFloodLimit: { limit: 30, windowMs: 60_000 },
  });
  clock = Date.UTC(2024, 0, 1, 12, 0, 0);
});

afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  await agent.close();
});

describe('rooms and paths', () => {
  it('answers 204 with an empty body and records the notification', async () => {
    const res = await notify('1', {
      message: '<b>hi</b>',
      color: 'green',
      notify: true,
      from: 'Switchboard',
    });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(fake.received).toEqual([
      {
        at: clock,
        method: 'POST',
        path: '/v2/room/1/notification',
        room: '1',
        roomId: 1,
        token: 'user-token',
        contentType: 'application/json',
        body: { message: '<b>hi</b>', color: 'green', notify: true, from: 'Switchboard' },
        status: 204,
        error: undefined,
        htmlProblems: [],
      },
    ]);
    expect(fake.delivered(1)).toHaveLength(1);
    expect(fake.delivered(2)).toHaveLength(0);
  });

  it('finds a room by its percent-decoded name', async () => {
    expect((await notify('Ops%20Team')).status).toBe(204);
    expect((await notify('C%2B%2B%20devs')).status).toBe(204);
    expect((await notify(encodeURIComponent('Équipe: prod'))).status).toBe(204);
    expect(fake.received.map((r) => r.roomId)).toEqual([2, 3, 4]);
  });

  it('reads + as a plus sign, not a space', async () => {
    const res = await notify('Ops+Team');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 404, message: 'Room Ops+Team not found', type: 'Not Found' } });
  });

  it('answers 404 for an unknown room, by ID or name', async () => {
    expect((await notify('99')).body.error.message).toBe('Room 99 not found');
    expect((await notify('Nowhere')).body.error.message).toBe('Room Nowhere not found');
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    expect((await send(fake, '/v2/room/1/message', { token: 'user-token' })).status).toBe(404);
    expect((await send(fake, '/v1/rooms/message', { token: 'user-token' })).status).toBe(404);
    const get = await send(fake, '/v2/room/1/notification', { token: 'user-token', method: 'GET' });
    expect(get.status).toBe(405);
  });
});

describe('auth', () => {
  it('answers 401 "Authenticated requests only" without a token', async () => {
    const res = await send(fake, '/v2/room/1/notification', {});
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/^Authenticated requests only/);
    expect(res.body.error.type).toBe('Unauthorized');
  });

  it('answers 401 "Invalid OAuth session" for an unknown token', async () => {
    const res = await notify('1', undefined, 'stolen');
    expect(res.body).toEqual({
      error: { code: 401, message: 'Invalid OAuth session', type: 'Unauthorized' },
    });
    expect(fake.received[0]?.token).toBe('stolen');
  });

  it('accepts ?auth_token= too, and keeps the token out of the recorded path', async () => {
    const res = await send(fake, '/v2/room/1/notification?auth_token=user-token', {});
    expect(res.status).toBe(204);
    expect(fake.received[0]).toMatchObject({ token: 'user-token', path: '/v2/room/1/notification' });
  });

  it('answers 403 for a token without send_notification', async () => {
    const res = await notify('1', undefined, 'read-only');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('send_notification');
  });

  it('lets a room notification token post only to its own room, by ID or name', async () => {
    expect((await notify('1', undefined, 'room1-token')).status).toBe(204);
    expect((await notify('Ops', undefined, 'room1-token')).status).toBe(204);
    expect((await notify('2', undefined, 'room1-token')).status).toBe(403);
  });
});

describe('body validation', () => {
  const invalid: [string, unknown, string][] = [
    ['message missing', { color: 'red' }, 'message'],
    ['message empty', { message: '' }, 'message'],
    ['message too long', { message: 'x'.repeat(10_001) }, 'message'],
    ['message not a string', { message: 42 }, 'message'],
    ['message_format unknown', { message: 'm', message_format: 'markdown' }, 'message_format'],
    ['color unknown', { message: 'm', color: 'blue' }, 'color'],
    ['notify as a string', { message: 'm', notify: 'true' }, 'notify'],
    ['from too long', { message: 'm', from: 'f'.repeat(65) }, 'from'],
    ['attach_to too long', { message: 'm', attach_to: 'a'.repeat(37) }, 'attach_to'],
    ['card not an object', { message: 'm', card: 'card' }, 'card'],
  ];
  it.each(invalid)('400 for %s, naming the field', async (_name, body, field) => {
    const res = await notify('1', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 400, type: 'Bad Request', field });
    expect(fake.received[0]).toMatchObject({ status: 400, error: res.body.error.message });
  });

  it('accepts the edges: 10,000 characters (counted as characters, not UTF-16 units), 64-char from, every colour', async () => {
    expect((await notify('1', { message: 'x'.repeat(10_000) })).status).toBe(204);
    expect((await notify('1', { message: '😀'.repeat(10_000) })).status).toBe(204);
    expect(
      (await notify('1', { message: 'm', from: 'f'.repeat(64), attach_to: 'a'.repeat(36) })).status,
    ).toBe(204);
    for (const color of ['yellow', 'green', 'red', 'purple', 'gray', 'random']) {
      expect((await notify('1', { message: 'm', color, notify: false, message_format: 'text' })).status).toBe(
        204,
      );
    }
  });

  it('answers 400 for a body that is not JSON or not an object', async () => {
    expect((await send(fake, '/v2/room/1/notification', { token: 'user-token', raw: '{oops' })).status).toBe(
      400,
    );
    expect((await send(fake, '/v2/room/1/notification', { token: 'user-token', raw: '["m"]' })).status).toBe(
      400,
    );
  });

  it('answers 415 for a content type other than JSON', async () => {
    const res = await send(fake, '/v2/room/1/notification', {
      token: 'user-token',
      raw: 'message=hi',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
    const charset = await send(fake, '/v2/room/1/notification', {
      token: 'user-token',
      contentType: 'application/json; charset=utf-8',
    });
    expect(charset.status).toBe(204);
  });
});

describe('HTML checks (recorded, not rejected, as HipChat strips)', () => {
  it('records no problems for clean HTML', async () => {
    await notify('1', {
      message: '<b>A</b> <a href="https://x.example/?a=1&amp;b=2">x</a><br><ul><li>1 &lt; 2</li></ul>',
    });
    expect(fake.received[0]?.htmlProblems).toEqual([]);
  });

  const dirty: [string, RegExp][] = [
    ['<img src=x onerror=alert(1)>', /attribute onerror not allowed/],
    ['<script>alert(1)</script>', /tag <script> not allowed/],
    ['<b>open', /<b> is never closed/],
    ['<b><i>x</b></i>', /does not close/],
    ['<a href="javascript:alert(1)">x</a>', /href javascript/],
    ['Tom & Jerry', /bare &/],
    ['1 < 2', /unescaped </],
    ['<br></br>', /void element/],
  ];
  it.each(dirty)('flags %s', async (message, problem) => {
    expect((await notify('1', { message })).status).toBe(204);
    expect(fake.received[0]?.htmlProblems.join('; ')).toMatch(problem);
  });

  it('does not check text-format messages', async () => {
    await notify('1', { message: '1 < 2 & <b>', message_format: 'text' });
    expect(fake.received[0]?.htmlProblems).toEqual([]);
  });
});

describe('rate limits', () => {
  it('reports X-Ratelimit-* on every response and 429s past the per-token limit', async () => {
    fake.setLimits({ tokenRateLimit: { limit: 3, windowMs: 300_000 } });
    const resetSec = String(Math.ceil((clock + 300_000) / 1000));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await notify('1'));
    expect(answers.map((a) => a.status)).toEqual([204, 204, 204, 429]);
    expect(answers.map((a) => a.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    expect(
      answers.every(
        (a) => a.headers['x-ratelimit-limit'] === '3' && a.headers['x-ratelimit-reset'] === resetSec,
      ),
    ).toBe(true);
    // Errors carry the headers too.
    const notFound = await notify('99');
    expect(notFound.headers['x-ratelimit-limit']).toBe('3');
    // Another token has its own budget; the window ends at the reset.
    expect((await notify('1', undefined, 'room1-token')).status).toBe(204);
    clock += 300_000;
    expect((await notify('1')).status).toBe(204);
  });

  it('applies flood control per room', async () => {
    fake.setLimits({ roomFloodLimit: { limit: 2, windowMs: 60_000 } });
    expect((await notify('1')).status).toBe(204);
    clock += 10_000;
    expect((await notify('1')).status).toBe(204);
    const flooded = await notify('1');
    expect(flooded.status).toBe(429);
    expect(flooded.headers['retry-after']).toBe('50');
    expect((await notify('2')).status).toBe(204);
    clock += 50_001;
    expect((await notify('1')).status).toBe(204);
  });

  it('can switch the limits off', async () => {
    fake.setLimits({ tokenRateLimit: null, roomFloodLimit: null });
    for (let i = 0; i < 40; i++) expect((await notify('1')).status).toBe(204);
  });

  it('uses the documented defaults: 30 per minute per room', async () => {
    const statuses = [];
    for (let i = 0; i < 31; i++) statuses.push((await notify('1')).status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(30);
    expect(statuses[30]).toBe(429);
  });
});

describe('faults', () => {
  it('failNext answers the next n requests with the status and a HipChat error body', async () => {
    fake.failNext(2, 500);
    expect((await notify('1')).body).toEqual({
      error: { code: 500, message: 'Internal Server Error', type: 'Internal Server Error' },
    });
    expect((await notify('1')).status).toBe(500);
    expect((await notify('1')).status).toBe(204);
  });

  it('failNext can answer a redirect with a Location', async () => {
    fake.failNext(1, 302, { headers: { location: `${fake.url}/elsewhere` } });
    const res = await notify('1');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${fake.url}/elsewhere`);
  });

  it('setMode down answers 503 until up', async () => {
    fake.setMode('down');
    expect((await notify('1')).status).toBe(503);
    expect((await notify('1')).status).toBe(503);
    fake.setMode('up');
    expect((await notify('1')).status).toBe(204);
  });

  it('delay holds every answer back', async () => {
    fake.delay(150);
    const started = Date.now();
    expect((await notify('1')).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    fake.delay(0);
  });

  it('dropConnections destroys the socket without an answer and records it as status 0', async () => {
    fake.dropConnections(1);
    await expect(notify('1')).rejects.toThrow();
    expect(fake.received[0]).toMatchObject({ status: 0, roomId: 1 });
    expect((await notify('1')).status).toBe(204);
  });

  it('rateLimitUntil answers 429 with that reset until the clock passes it', async () => {
    const reset = clock / 1000 + 3;
    fake.rateLimitUntil(reset);
    const limited = await notify('1');
    expect(limited.status).toBe(429);
    expect(limited.headers['x-ratelimit-reset']).toBe(String(reset));
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    clock += 3_000;
    expect((await notify('1')).status).toBe(204);
  });

  it('reset clears faults, records and counters', async () => {
    fake.failNext(5, 500);
    fake.setMode('down');
    await notify('1');
    fake.reset();
    expect(fake.received).toEqual([]);
    expect((await notify('1')).status).toBe(204);
  });
});

describe('waitFor and close', () => {
  it('waitFor resolves once the predicate holds', async () => {
    const waiting = fake.waitFor((r) => r.filter((x) => x.status === 204).length === 2, 2_000);
    await notify('1');
    await notify('2');
    expect((await waiting).map((r) => r.roomId)).toEqual([1, 2]);
  });

  it('waitFor rejects after the timeout, saying what it saw', async () => {
    await expect(fake.waitFor(() => false, 50)).rejects.toThrow(/not met within 50 ms \(0 received\)/);
  });

  it('close does not wait for delayed answers', async () => {
    const other = await start();
    other.delay(60_000);
    const pending = notify('1').catch(() => 'failed');
    const target = other;
    const pendingOther = send(target, '/v2/room/1/notification', { token: 'user-token' }).catch(
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await pendingOther).toBe('failed');
    expect(await pending).not.toBe('failed');
  });
});
