import type { LookupFunction } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildAuditRecord } from '../../src/features/audit/audit-builder.js';
import { OutboundHttp } from '../../src/features/delivery/outbound-http.js';
import {
  buildHipChatRequest,
  classifyHipChatResult,
  type HipChatTarget,
} from '../../src/features/integrations/kinds/hipchat/hipchat-client.js';
import {
  renderHipChatMessage,
  renderHipChatTestMessage,
} from '../../src/features/integrations/kinds/hipchat/hipchat-message.js';
import { hipChatVisibleText } from '../fake-hipchat/hipchat-html.js';
import { FakeHipChat } from '../helpers/fake-hipchat.js';

/**
 * The HipChat channel over real HTTP, the way the delivery worker drives it:
 * render → buildHipChatRequest → OutboundHttp.post → classifyHipChatResult, against the fake.
 */

let fake: FakeHipChat;
let http: OutboundHttp;
const message = renderHipChatTestMessage('Ops alerts', 'Ariel Flores');

function target(overrides: Partial<HipChatTarget> = {}): HipChatTarget {
  return { server: fake.url, room: '1', token: 'room1-token', ...overrides };
}

async function deliver(to: HipChatTarget, client: OutboundHttp = http, body = message) {
  const request = buildHipChatRequest(to, body);
  const result = await client.post(request.url, request.headers, request.body);
  return { result, outcome: classifyHipChatResult(result, Date.now()) };
}

beforeAll(async () => {
  fake = await FakeHipChat.start({
    rooms: [
      { id: 1, name: 'Ops' },
      { id: 2, name: 'Release Train 2' },
      { id: 3, name: 'Ops+Alerts' },
    ],
    tokens: [{ token: 'room1-token', roomId: 1 }, { token: 'user-token' }],
  });
  http = new OutboundHttp({ allowPrivateTargets: true, totalTimeoutMs: 2_000 });
});

afterEach(() => fake.reset());

afterAll(async () => {
  await http.close();
  await fake.close();
});

describe('delivery to the fake HipChat', () => {
  it('delivers a rendered audit entry, escaped, to the room', async () => {
    const { entry } = buildAuditRecord(
      {
        id: 'e'.repeat(24),
        date: Date.now(),
        kind: 'flag',
        name: '<img src=x onerror=alert(1)>',
        actor: {
          member: { _id: 'a'.repeat(24), email: 'ariel@acme.com', firstName: 'Ariel', lastName: 'Flores' },
        },
        comment: 'Ship it',
        accesses: [{ action: 'updateOn', resource: [{ type: 'proj', key: 'default', tags: [] }] }],
        titleVerb: 'turned on the flag',
        sitePath: '/default/production/features/xss',
        environmentName: 'Production',
        changes: ['Turned the flag on'],
      },
      'https://flags.example.com',
    );
    const rendered = renderHipChatMessage(entry, { notify: true });
    const { result, outcome } = await deliver(target(), http, rendered);
    expect(result).toMatchObject({ kind: 'response', status: 204, bodyExcerpt: '' });
    expect(outcome).toEqual({ outcome: 'delivered' });
    const [received] = fake.delivered(1);
    expect(received?.body).toEqual(rendered);
    expect(received?.htmlProblems).toEqual([]);
    expect(hipChatVisibleText(String(rendered.message))).toContain(
      'turned on the flag <img src=x onerror=alert(1)> in Production',
    );
  });

  it('reaches a room named with spaces, and does not mistake + for a space', async () => {
    expect((await deliver(target({ room: 'Release Train 2', token: 'user-token' }))).outcome).toEqual({
      outcome: 'delivered',
    });
    expect((await deliver(target({ room: 'Ops+Alerts', token: 'user-token' }))).outcome).toEqual({
      outcome: 'delivered',
    });
    expect(fake.delivered().map((r) => r.roomId)).toEqual([2, 3]);
  });

  it('works with a server URL given with a trailing slash', async () => {
    expect((await deliver(target({ server: `${fake.url}/` }))).outcome).toEqual({ outcome: 'delivered' });
  });

  it('401: a rejected token marks the integration in error, with HipChat’s words', async () => {
    const { outcome } = await deliver(target({ token: 'wrong' }));
    expect(outcome).toEqual({
      outcome: 'permanent',
      markIntegrationError: true,
      reason: 'token rejected (401 Invalid OAuth session)',
    });
  });

  it('403: a room token used for another room marks the integration in error', async () => {
    const { outcome } = await deliver(target({ room: '2' }));
    expect(outcome).toMatchObject({ outcome: 'permanent', markIntegrationError: true });
    expect(outcome.outcome === 'permanent' && outcome.reason).toMatch(
      /^token not allowed for this room \(403 /,
    );
  });

  it('404: an unknown room marks the integration in error', async () => {
    const { outcome } = await deliver(target({ room: 'Nowhere', token: 'user-token' }));
    expect(outcome).toEqual({
      outcome: 'permanent',
      markIntegrationError: true,
      reason: 'room not found (404 Room Nowhere not found)',
    });
  });

  it('429 with a reset: retry no earlier than the reset', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 3;
    fake.rateLimitUntil(reset);
    const { result, outcome } = await deliver(target());
    expect(result).toMatchObject({ kind: 'response', status: 429 });
    expect(outcome).toMatchObject({ outcome: 'retry', notBefore: reset * 1000 });
  });

  it('429 from flood control: retry after Retry-After', async () => {
    fake.setLimits({ roomFloodLimit: { limit: 1, windowMs: 60_000 } });
    try {
      expect((await deliver(target())).outcome).toEqual({ outcome: 'delivered' });
      const before = Date.now();
      const { outcome } = await deliver(target());
      expect(outcome.outcome).toBe('retry');
      const notBefore = outcome.outcome === 'retry' ? (outcome.notBefore ?? 0) : 0;
      expect(notBefore).toBeGreaterThanOrEqual(before + 59_000);
    } finally {
      fake.setLimits({ roomFloodLimit: { limit: 30, windowMs: 60_000 } });
    }
  });

  it('503: retry', async () => {
    fake.setMode('down');
    expect((await deliver(target())).outcome).toEqual({
      outcome: 'retry',
      reason: 'HipChat unavailable (503 Service Unavailable)',
    });
  });

  it('400: a message HipChat refuses is permanent but leaves the integration alone', async () => {
    const { outcome } = await deliver(target(), http, { ...message, message: '' });
    expect(outcome).toEqual({
      outcome: 'permanent',
      markIntegrationError: false,
      reason: 'message rejected (400 Message must be between 1 and 10000 characters)',
    });
  });

  it('a dropped connection is connection_reset: retry', async () => {
    fake.dropConnections(1);
    const { result, outcome } = await deliver(target());
    expect(result).toMatchObject({ kind: 'error', errorClass: 'connection_reset' });
    expect(outcome.outcome).toBe('retry');
    expect((await deliver(target())).outcome).toEqual({ outcome: 'delivered' });
  });

  it('an answer slower than the timeout is a timeout: retry', async () => {
    const impatient = new OutboundHttp({ allowPrivateTargets: true, totalTimeoutMs: 200 });
    try {
      fake.delay(1_000);
      const { result, outcome } = await deliver(target(), impatient);
      expect(result).toMatchObject({ kind: 'error', errorClass: 'timeout' });
      expect(result.latencyMs).toBeLessThan(1_000);
      expect(outcome.outcome).toBe('retry');
    } finally {
      fake.delay(0);
      await impatient.close();
    }
  });

  it('a 302 is not followed and fails the delivery', async () => {
    fake.failNext(1, 302, { headers: { location: `${fake.url}/v2/room/2/notification` } });
    const { result, outcome } = await deliver(target());
    expect(result).toMatchObject({ kind: 'response', status: 302 });
    expect(outcome).toMatchObject({ outcome: 'permanent', markIntegrationError: false });
    expect(outcome.outcome === 'permanent' && outcome.reason).toMatch(
      /^redirects are not followed \(302 to /,
    );
    expect(fake.received).toHaveLength(1);
  });

  it('a closed port is connection_refused: retry', async () => {
    const gone = await FakeHipChat.start();
    const server = gone.url;
    await gone.close();
    const { result, outcome } = await deliver(target({ server }));
    expect(result).toMatchObject({ kind: 'error', errorClass: 'connection_refused' });
    expect(outcome.outcome).toBe('retry');
  });

  it('never leaks the token into a result', async () => {
    const results = [
      await deliver(target({ token: 'room1-token-but-wrong' })),
      await deliver(target({ server: 'http://127.0.0.1:1' })),
    ];
    for (const { result, outcome } of results) {
      expect(JSON.stringify({ result, outcome })).not.toContain('room1-token');
    }
  });
});

describe('SSRF guard against the fake', () => {
  it('refuses 127.0.0.1 when private targets are not allowed, and the fake hears nothing', async () => {
    const guarded = new OutboundHttp({ allowPrivateTargets: false });
    try {
      const { result, outcome } = await deliver(target(), guarded);
      expect(result).toMatchObject({
        kind: 'error',
        errorClass: 'ssrf_refused',
        message: `target ${fake.url} resolves to 127.0.0.1, a loopback address; set SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true to allow private targets`,
      });
      expect(outcome).toMatchObject({ outcome: 'permanent', markIntegrationError: true });
      expect(fake.received).toHaveLength(0);
    } finally {
      await guarded.close();
    }
  });

  it('refuses a host name that resolves to 127.0.0.1 (the address connected to is checked)', async () => {
    const toLoopback: LookupFunction = (_hostname, _options, callback) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
    const guarded = new OutboundHttp({ allowPrivateTargets: false, lookup: toLoopback });
    const allowed = new OutboundHttp({ allowPrivateTargets: true, lookup: toLoopback });
    try {
      const server = `http://hipchat.acme.test:${fake.port}`;
      expect((await deliver(target({ server }), guarded)).result).toMatchObject({
        errorClass: 'ssrf_refused',
      });
      expect(fake.received).toHaveLength(0);
      expect((await deliver(target({ server }), allowed)).outcome).toEqual({ outcome: 'delivered' });
    } finally {
      await guarded.close();
      await allowed.close();
    }
  });

  it('allows 127.0.0.1 when private targets are allowed', async () => {
    expect((await deliver(target())).outcome).toEqual({ outcome: 'delivered' });
  });
});
