import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeHipChat, type ReceivedRequest } from '../helpers/fake-hipchat.js';
import { startTestSwitchboard, type TestSwitchboard, testDialect } from '../helpers/test-switchboard.js';
import { postCreated, productionFlags, startWithFlag, toggleFlag } from './delivery-kit.js';

const OPS = { id: 1, name: 'Ops Room' };
const DEV = { id: 2, name: 'dev' };
const opsToken = 'ops-room-token-0123456789';
const devToken = 'dev-room-token-0123456789';

let fake: FakeHipChat;
let t: TestSwitchboard;

beforeAll(async () => {
  fake = await FakeHipChat.start({
    rooms: [OPS, DEV],
    tokens: [
      { token: opsToken, roomId: OPS.id },
      { token: devToken, roomId: DEV.id },
    ],
    tokenRateLimit: null,
    roomFloodLimit: null,
  });
});
afterAll(async () => {
  await fake.close();
});

beforeEach(async () => {
  fake.reset();
  t = await startWithFlag({
    SWITCHBOARD_HIPCHAT_URL: fake.url,
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '0',
    SWITCHBOARD_HIPCHAT_TOKEN_RATE: '0',
  });
});
afterEach(async () => {
  await t.close();
});

const addIntegration = (body: Record<string, unknown> = {}) =>
  postCreated(t, '/api/v2/integrations/hipchat', {
    name: 'Ops room',
    config: { room: OPS.name, token: opsToken },
    ...body,
  });
const toggle = (env: string, on: boolean, flag?: string) => toggleFlag(t, env, on, flag);

/**
 * The messages HipChat accepted, without the integration's own housekeeping (an integration
 * with no filter also hears that it was added: gray messages about integrations).
 */
function messages(list: readonly ReceivedRequest[]): string[] {
  return list
    .filter((r) => (r.body as { color: string }).color !== 'gray')
    .map((r) => (r.body as { message: string }).message);
}

describe('HipChat integration subscriptions', () => {
  it('create returns the LaunchDarkly shape with the token masked, audited without the token', async () => {
    const created = await addIntegration({ statements: productionFlags, tags: ['ops'] });
    expect(created).toMatchObject({
      kind: 'hipchat',
      name: 'Ops room',
      on: true,
      config: { room: 'Ops Room', token: '********', notify: false },
      statements: productionFlags,
      tags: ['ops'],
      _status: { successCount: 0, errorCount: 0, errors: [], pending: 0 },
    });
    const entry = (await t.api('GET', '/api/v2/auditlog?limit=1')).body.items[0];
    expect(entry.accesses).toEqual([{ action: 'createIntegration', resource: `integration/${created._id}` }]);
    const detail = (await t.api('GET', `/api/v2/auditlog/${entry._id}`)).body;
    expect(JSON.stringify(detail)).not.toContain(opsToken);
    expect(JSON.stringify((await t.api('GET', '/api/v2/integrations/hipchat')).body)).not.toContain(opsToken);
  });

  it('validates config and statements with pointers and stores nothing', async () => {
    const bad = await t.api('POST', '/api/v2/integrations/hipchat', {
      name: 'x',
      config: { room: 'Ops', token: 't' },
      statements: [{ effect: 'allow', resources: ['proj/*:env/production:flags/*'], actions: ['*'] }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('/statements/0/resources/0');
    const noToken = await t.api('POST', '/api/v2/integrations/hipchat', {
      name: 'x',
      config: { room: 'Ops' },
    });
    expect(noToken.status).toBe(400);
    expect(noToken.body.message).toContain('/config/token');
    const badServer = await t.api('POST', '/api/v2/integrations/hipchat', {
      name: 'x',
      config: { room: 'Ops', token: 't', server: 'ftp://x' },
    });
    expect(badServer.status).toBe(400);
    expect(badServer.body.message).toContain('/config/server');
    expect(
      (
        await t.api('POST', '/api/v2/integrations/pagerduty', {
          name: 'x',
          config: { room: 'a', token: 'b' },
        })
      ).status,
    ).toBe(404);
    expect((await t.api('GET', '/api/v2/integrations/hipchat')).body.items).toEqual([]);
  });

  it('the mask sent back keeps the token; a new token replaces it; both audited as updateConfiguration', async () => {
    const created = await addIntegration();
    const same = await t.api('PATCH', `/api/v2/integrations/hipchat/${created._id}`, [
      { op: 'replace', path: '/config', value: { room: 'Ops Room', token: '********', notify: true } },
    ]);
    expect(same.status).toBe(200);
    expect(same.body.config).toEqual({ room: 'Ops Room', token: '********', notify: true });
    const test1 = await t.api('POST', `/api/v2/integrations/hipchat/${created._id}/test`);
    expect(test1.body).toMatchObject({ ok: true, statusCode: 204 });

    await t.api('PATCH', `/api/v2/integrations/hipchat/${created._id}`, [
      { op: 'replace', path: '/config/token', value: 'wrong-token' },
    ]);
    const entry = (await t.api('GET', '/api/v2/auditlog?limit=1')).body.items[0];
    expect(entry.accesses).toEqual([
      { action: 'updateConfiguration', resource: `integration/${created._id}` },
    ]);
    expect(entry.description).toBe('- Replaced the room token');
    const detail = (await t.api('GET', `/api/v2/auditlog/${entry._id}`)).body;
    expect(JSON.stringify(detail)).not.toContain('wrong-token');
    const test2 = await t.api('POST', `/api/v2/integrations/hipchat/${created._id}/test`);
    expect(test2.body).toMatchObject({ ok: false, statusCode: 401 });
    expect(test2.body.responseBody).toContain('Invalid OAuth session');
  });

  it('keeps each test in the delivery log as a test, counted in `_status` as the log shows it', async () => {
    const { _id } = await addIntegration({ statements: productionFlags });
    const ok = await t.api('POST', `/api/v2/integrations/hipchat/${_id}/test`);
    const moved = await t.api('PATCH', `/api/v2/integrations/hipchat/${_id}`, [
      { op: 'add', path: '/config/server', value: 'http://no-such-host.invalid' },
      { op: 'replace', path: '/config/token', value: opsToken },
    ]);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const failed = await t.api('POST', `/api/v2/integrations/hipchat/${_id}/test`);
    expect(failed.body).toMatchObject({ ok: false, errorClass: 'dns' });
    expect(failed.body.at).toBeGreaterThanOrEqual(ok.body.at);
    const log = (await t.api('GET', `/api/v2/integrations/hipchat/${_id}/deliveries`)).body;
    expect(log.items).toEqual([]);
    expect(log.tests).toMatchObject([
      { ok: false, errorClass: 'dns', at: failed.body.at, actorName: expect.any(String) },
      { ok: true, statusCode: 204, at: ok.body.at },
    ]);
    expect(log.tests[0].detail).toContain('no-such-host.invalid');
    const status = (await t.api('GET', `/api/v2/integrations/hipchat/${_id}`)).body._status;
    expect(status).toMatchObject({ successCount: 1, errorCount: 1, lastError: failed.body.at });
    expect(status.errors).toMatchObject([{ errorClass: 'dns', test: true, timestamp: failed.body.at }]);
    expect(status.errored).toBeUndefined();
  });
});

describe('fan-out and delivery', () => {
  it('a production-only integration hears a production toggle and not a test toggle', async () => {
    await addIntegration({ statements: productionFlags });
    await toggle('test', true);
    await toggle('production', true);
    await t.settle();
    const got = fake.delivered(OPS.id);
    expect(got).toHaveLength(1);
    expect(messages(got)[0]).toContain('turned on the flag');
    expect(messages(got)[0]).toContain('<code>Production</code>');
    expect(got[0]?.body).toMatchObject({
      color: 'green',
      message_format: 'html',
      notify: false,
      from: 'Switchboard',
    });
    expect(got[0]?.htmlProblems).toEqual([]);
  });

  it('an integration with no policy hears a member invitation, a metric creation and an environment rename', async () => {
    await addIntegration();
    await t.api('POST', '/api/v2/members', [{ email: 'bo@acme.com' }]);
    await t.api('POST', '/api/v2/metrics/default', { key: 'signup', kind: 'custom', eventKey: 'signup' });
    await t.api('PATCH', '/api/v2/projects/default/environments/test', [
      { op: 'replace', path: '/name', value: 'QA' },
    ]);
    await t.settle();
    const text = messages(fake.delivered(OPS.id));
    expect(text).toHaveLength(3);
    expect(text[0]).toContain('invited the member');
    expect(text[1]).toContain('created the metric');
    expect(text[2]).toContain('updated the environment');
  });

  it('a deny statement silences what it names', async () => {
    await addIntegration({
      statements: [
        { effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['*'] },
        { effect: 'deny', resources: ['proj/*:env/*:flag/*'], actions: ['updateOn'] },
      ],
    });
    await toggle('production', true);
    await t.api('PATCH', '/api/v2/flags/default/checkout', [
      { op: 'replace', path: '/description', value: 'Now with coupons' },
    ]);
    await t.settle();
    const text = messages(fake.delivered(OPS.id));
    expect(text).toHaveLength(1);
    expect(text[0]).toContain('Now with coupons');
  });

  it('switching off stops delivery; switching on resumes it', async () => {
    const { _id } = await addIntegration({ statements: productionFlags });
    const off = await t.api('PATCH', `/api/v2/integrations/hipchat/${_id}`, [
      { op: 'replace', path: '/on', value: false },
    ]);
    expect(off.body.on).toBe(false);
    const entry = (await t.api('GET', '/api/v2/auditlog?limit=1')).body.items[0];
    expect(entry.accesses).toEqual([{ action: 'updateOn', resource: `integration/${_id}` }]);
    expect(entry.titleVerb).toBe('turned off the integration');
    await toggle('production', true);
    await t.settle();
    expect(fake.delivered()).toHaveLength(0);
    await t.api('PATCH', `/api/v2/integrations/hipchat/${_id}`, [
      { op: 'replace', path: '/on', value: true },
    ]);
    await toggle('production', false);
    await t.settle();
    const text = messages(fake.delivered(OPS.id));
    expect(text).toHaveLength(1);
    expect(text[0]).toContain('turned off the flag');
  });

  it('queued deliveries of an integration switched off are dropped, visibly, and can be re-sent', async () => {
    const { _id } = await addIntegration();
    fake.setMode('down');
    await toggle('production', true);
    await fake.waitFor((r) => r.length >= 1);
    await t.api('PATCH', `/api/v2/integrations/hipchat/${_id}`, [
      { op: 'replace', path: '/on', value: false },
    ]);
    fake.setMode('up');
    await t.settle();
    const log = (await t.api('GET', `/api/v2/integrations/hipchat/${_id}/deliveries`)).body.items;
    const dropped = log.find((d: { status: string }) => d.status === 'dropped');
    expect(dropped.lastError).toBe('integration was switched off before this was sent');
    await t.api('PATCH', `/api/v2/integrations/hipchat/${_id}`, [
      { op: 'replace', path: '/on', value: true },
    ]);
    const retry = await t.api('POST', `/api/v2/integrations/hipchat/${_id}/deliveries/${dropped._id}/retry`);
    expect(retry.status).toBe(202);
    await t.settle();
    expect(messages(fake.delivered(OPS.id)).some((m) => m.includes('turned on the flag'))).toBe(true);
  });

  it('a flag named like an HTML attack arrives escaped', async () => {
    await addIntegration();
    await t.api('POST', '/api/v2/flags/default', { key: 'xss', name: '<img src=x onerror=alert(1)>' });
    await t.settle();
    const [message] = messages(fake.delivered(OPS.id));
    expect(message).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(message).not.toContain('<img');
    expect(fake.delivered(OPS.id).flatMap((r) => r.htmlProblems)).toEqual([]);
  });

  it('a room named with spaces reaches that room, by name, and a numeric id works too', async () => {
    await addIntegration({ config: { room: 'Ops Room', token: opsToken } });
    await addIntegration({ name: 'Dev', config: { room: '2', token: devToken } });
    await toggle('production', true);
    await t.settle();
    expect(messages(fake.delivered(OPS.id))).toHaveLength(1);
    expect(messages(fake.delivered(DEV.id))).toHaveLength(1);
    expect(fake.delivered(OPS.id).every((r) => r.path === '/v2/room/Ops%20Room/notification')).toBe(true);
    expect(fake.delivered(DEV.id).every((r) => r.path === '/v2/room/2/notification')).toBe(true);
  });

  it('the token never appears in API responses or the database file in plaintext', async () => {
    const { _id } = await addIntegration();
    await toggle('production', true);
    await t.settle();
    const responses = [
      await t.api('GET', '/api/v2/integrations/hipchat'),
      await t.api('GET', `/api/v2/integrations/hipchat/${_id}`),
      await t.api('GET', `/api/v2/integrations/hipchat/${_id}/deliveries`),
      await t.api('GET', '/api/v2/auditlog?limit=20'),
    ];
    for (const r of responses) expect(JSON.stringify(r.body)).not.toContain(opsToken);
    // Every row of every table that could hold it, on either engine…
    const { db } = t.switchboard.database;
    const rows = [
      ...(await db.selectFrom('integrations').selectAll().execute()),
      ...(await db.selectFrom('audit_entries').selectAll().execute()),
      ...(await db.selectFrom('delivery_attempts').selectAll().execute()),
    ];
    expect(JSON.stringify(rows)).not.toContain(opsToken);
    // …and, on SQLite, the bytes of the database file and its write-ahead log.
    if (testDialect === 'sqlite') {
      const bytes = Buffer.concat(
        [t.dbFile, `${t.dbFile}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
      );
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.includes(Buffer.from(opsToken))).toBe(false);
    }
    expect(fake.delivered(OPS.id)[0]?.token).toBe(opsToken);
  });
});

describe('faults', () => {
  it('HipChat answering 503 for a while, then recovering: every notification delivered, in order', async () => {
    const { _id } = await addIntegration();
    fake.setMode('down');
    for (let i = 0; i < 5; i++) await toggle('production', i % 2 === 0);
    await fake.waitFor((r) => r.filter((x) => x.status === 503).length >= 3);
    fake.setMode('up');
    await t.settle();
    const text = messages(fake.delivered(OPS.id));
    expect(text.map((m) => (m.includes('turned on') ? 'on' : 'off'))).toEqual([
      'on',
      'off',
      'on',
      'off',
      'on',
    ]);
    const log = (await t.api('GET', `/api/v2/integrations/hipchat/${_id}/deliveries`)).body.items;
    const first = log[log.length - 1];
    expect(first.status).toBe('done');
    expect(first.attemptLog.length).toBeGreaterThan(1);
    expect(first.attemptLog[0]).toMatchObject({ outcome: 'retry', statusCode: 503 });
    expect(first.attemptLog.at(-1)).toMatchObject({ outcome: 'delivered', statusCode: 204 });
    const status = (await t.api('GET', `/api/v2/integrations/hipchat/${_id}`)).body._status;
    expect(status.errorCount).toBeGreaterThan(0);
    expect(status.successCount).toBe(6); // five toggles and the integration's own "added" message
    expect(status.errors[0]).toMatchObject({ statusCode: 503 });
  });

  it('429 with a reset 3 s ahead: no request reaches HipChat before the reset', async () => {
    await addIntegration();
    const resetSec = Math.ceil(Date.now() / 1000) + 3;
    fake.rateLimitUntil(resetSec);
    await toggle('production', true);
    await fake.waitFor((r) => r.some((x) => x.status === 429));
    await toggle('production', false);
    await fake.waitFor((r) => messages(r.filter((x) => x.status === 204)).length === 2, 10_000);
    const after429 = fake.received.filter((x) => x.status !== 429);
    for (const r of after429) expect(r.at).toBeGreaterThanOrEqual(resetSec * 1000);
    expect(fake.received.filter((x) => x.status === 429)).toHaveLength(1);
    expect(messages(fake.delivered()).map((m) => (m.includes('turned on') ? 'on' : 'off'))).toEqual([
      'on',
      'off',
    ]);
  });

  it('401: the integration is marked errored with the reason in _status; a successful test clears it', async () => {
    const { _id } = await addIntegration({ config: { room: OPS.name, token: 'not-a-valid-token' } });
    await toggle('production', true);
    await t.settle();
    const status = (await t.api('GET', `/api/v2/integrations/hipchat/${_id}`)).body._status;
    expect(status.errored.reason).toContain('401');
    expect(status.errored.reason).toContain('Invalid OAuth session');
    expect(status.errors[0]).toMatchObject({ statusCode: 401 });
    const log = (await t.api('GET', `/api/v2/integrations/hipchat/${_id}/deliveries`)).body.items;
    expect(log[0]).toMatchObject({ status: 'dead', attempts: 1 });

    await t.api('PATCH', `/api/v2/integrations/hipchat/${_id}`, [
      { op: 'replace', path: '/config/token', value: opsToken },
    ]);
    const test = await t.api('POST', `/api/v2/integrations/hipchat/${_id}/test`);
    expect(test.body.ok).toBe(true);
    const cleared = (await t.api('GET', `/api/v2/integrations/hipchat/${_id}`)).body._status;
    expect(cleared.errored).toBeUndefined();
    const retry = await t.api('POST', `/api/v2/integrations/hipchat/${_id}/deliveries/${log[0]._id}/retry`);
    expect(retry.status).toBe(202);
    await t.settle();
    expect(messages(fake.delivered(OPS.id)).filter((m) => m.includes('turned on the flag'))).toHaveLength(1);
  });

  it('404 for a room that does not exist marks it "room not found"', async () => {
    const { _id } = await addIntegration({ config: { room: 'Nowhere', token: opsToken } });
    await toggle('production', true);
    await t.settle();
    const status = (await t.api('GET', `/api/v2/integrations/hipchat/${_id}`)).body._status;
    expect(status.errored.reason).toMatch(/room not found/i);
  });
});

describe('preview', () => {
  it('lists which of the recent entries a policy would have matched', async () => {
    await toggle('test', true);
    await toggle('production', true);
    const res = await t.api('POST', '/api/v2/integrations/hipchat/preview', {
      statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['updateOn'] }],
    });
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { titleVerb: string }) => e.titleVerb)).toEqual(['turned on the flag']);
    expect(res.body.scanned).toBeGreaterThan(3);
    const bad = await t.api('POST', '/api/v2/integrations/hipchat/preview', {
      statements: [{ effect: 'maybe' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('/statements/0');
  });
});

describe('SSRF guard', () => {
  let guarded: TestSwitchboard;
  beforeEach(async () => {
    guarded = await startTestSwitchboard({
      SWITCHBOARD_HIPCHAT_URL: fake.url,
      SWITCHBOARD_RETRY_SCHEDULE: '0',
    });
  });
  afterEach(async () => {
    await guarded.close();
  });

  it('refuses a server on a private address without the allow flag, at save time and at send time', async () => {
    const refused = await guarded.api('POST', '/api/v2/integrations/hipchat', {
      name: 'Internal',
      config: { room: 'Ops', token: opsToken, server: 'http://127.0.0.1:9' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('/config/server');
    expect(refused.body.message).toContain('loopback');
    expect(refused.body.message).toContain('SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true');

    // The default server (SWITCHBOARD_HIPCHAT_URL) points at loopback too: refused when sending.
    const created = await guarded.api('POST', '/api/v2/integrations/hipchat', {
      name: 'Ops',
      config: { room: 'Ops Room', token: opsToken },
    });
    expect(created.status).toBe(201);
    const test = await guarded.api('POST', `/api/v2/integrations/hipchat/${created.body._id}/test`);
    expect(test.body.ok).toBe(false);
    expect(test.body.error).toContain('SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true');
    await guarded.api('POST', '/api/v2/projects', { key: 'p', name: 'P' });
    await guarded.settle();
    const status = (await guarded.api('GET', `/api/v2/integrations/hipchat/${created.body._id}`)).body
      ._status;
    expect(status.errored.reason).toContain('SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true');
    expect(fake.received).toHaveLength(0);
  });
});
