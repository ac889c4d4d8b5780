import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSwitchboard } from '../../src/composition-root.js';
import { loadConfig } from '../../src/config/config.js';
import { SecretBox } from '../../src/shared/secret-box.js';
import { FakeWebhook } from '../helpers/fake-webhook.js';
import { adminToken, type TestSwitchboard, testDialect } from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';
import { postCreated, productionFlags, startWithFlag, toggleFlag } from './delivery-kit.js';

let fake: FakeWebhook;
let t: TestSwitchboard;
/** SWITCHBOARD_SECRET_KEY of the test Switchboard (test-switchboard.ts). */
const testKey = 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=';

beforeAll(async () => {
  fake = await FakeWebhook.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  fake.reset();
  t = await startWithFlag();
});
afterEach(async () => {
  await t.close();
});

const toggle = (env: string, on: boolean) => toggleFlag(t, env, on);
const addWebhook = (body: Record<string, unknown> = {}) =>
  postCreated(t, '/api/v2/webhooks', { url: fake.url, sign: true, statements: productionFlags, ...body });

const flagEntries = () =>
  fake.delivered().map((r) => JSON.parse(r.body) as { kind: string; titleVerb: string; _id: string });

describe('webhooks', () => {
  it('generates a secret shown once; the receiver verifies both signatures of the audit entry body', async () => {
    const created = await addWebhook();
    expect(created.secret).toMatch(/^[0-9a-f]{64}$/);
    fake.secret = created.secret;
    const again = await t.api('GET', `/api/v2/webhooks/${created._id}`);
    expect(again.body.secret).toBeUndefined();
    expect(JSON.stringify((await t.api('GET', '/api/v2/webhooks')).body)).not.toContain(created.secret);
    expect(JSON.stringify((await t.api('GET', '/api/v2/auditlog?limit=20')).body)).not.toContain(
      created.secret,
    );
    const entry = (await t.api('GET', '/api/v2/auditlog?limit=1')).body.items[0];
    expect(entry.accesses).toEqual([{ action: 'createWebhook', resource: `webhook/${created._id}` }]);

    await toggle('test', true);
    await toggle('production', true);
    await t.settle();
    const got = fake.delivered();
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ ldSignatureOk: true, standardSignatureOk: true });
    const body = JSON.parse(got[0]?.body ?? '{}');
    expect(body).toMatchObject({ kind: 'flag', titleVerb: 'turned on the flag' });
    expect(body.accesses[0].resource).toBe('proj/default:env/production:flag/checkout');
    const test = await t.api('POST', `/api/v2/webhooks/${created._id}/test`);
    expect(test.body).toMatchObject({ ok: true, statusCode: 200 });
  });

  it('a wrong secret is refused by the receiver (401) and marks the webhook errored', async () => {
    const created = await addWebhook({ secret: 'our-secret' });
    expect(created.secret).toBe('our-secret');
    fake.secret = 'another-secret';
    await toggle('production', true);
    await t.settle();
    const status = (await t.api('GET', `/api/v2/webhooks/${created._id}`)).body._status;
    expect(status.errored.reason).toContain('401');
  });

  it('503 for a while then recovery: all delivered in order, webhook-id stable across retries', async () => {
    const created = await addWebhook();
    fake.secret = created.secret;
    fake.setMode('down');
    for (let i = 0; i < 4; i++) await toggle('production', i % 2 === 0);
    await new Promise((r) => setTimeout(r, 600));
    fake.setMode('up');
    await t.settle();
    expect(flagEntries().map((e) => e.titleVerb)).toEqual([
      'turned on the flag',
      'turned off the flag',
      'turned on the flag',
      'turned off the flag',
    ]);
    const firstId = fake.received[0]?.headers['webhook-id'];
    const tries = fake.received.filter((r) => r.headers['webhook-id'] === firstId);
    expect(tries.length).toBeGreaterThan(1);
    expect(tries.every((r) => r.standardSignatureOk && r.ldSignatureOk)).toBe(true);
    const log = (await t.api('GET', `/api/v2/webhooks/${created._id}/deliveries`)).body.items;
    expect(log.at(-1).attemptLog[0]).toMatchObject({ outcome: 'retry', statusCode: 503 });
  });

  it('429 Retry-After is honoured', async () => {
    await addWebhook({ sign: false });
    fake.rateLimitNext(1, 2);
    await toggle('production', true);
    await t.settle();
    const limited = fake.received.find((r) => r.status === 429);
    const ok = fake.delivered()[0];
    expect(limited).toBeDefined();
    expect((ok?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    expect(fake.received[0]?.headers['x-ld-signature']).toBeUndefined();
  });

  it('switched off while a lane is sending: the rest of the lane is dropped, not sent', async () => {
    const created = await addWebhook({ sign: false });
    fake.hold();
    await toggle('production', true);
    await until('the first notification held at the receiver', () => fake.held === 1);
    for (const on of [false, true, false]) await toggle('production', on);
    // The first lane ends; the next claims the three behind it at once and sends the first.
    fake.releaseOne();
    await until('the second notification held at the receiver', () => fake.held === 1);
    const off = await t.api('PATCH', `/api/v2/webhooks/${created._id}`, [
      { op: 'replace', path: '/on', value: false },
    ]);
    expect(off.status).toBe(200);
    fake.releaseOne();
    await t.settle();
    expect(fake.held).toBe(0);
    expect(fake.delivered()).toHaveLength(2);
    const log = (await t.api('GET', `/api/v2/webhooks/${created._id}/deliveries`)).body.items;
    expect(log.map((d: { status: string }) => d.status).sort()).toEqual([
      'done',
      'done',
      'dropped',
      'dropped',
    ]);
  });

  it('on/off, patch audit actions, secret rotation, delete', async () => {
    const created = await addWebhook();
    const off = await t.api('PATCH', `/api/v2/webhooks/${created._id}`, [
      { op: 'replace', path: '/on', value: false },
    ]);
    expect(off.body.on).toBe(false);
    await toggle('production', true);
    await t.settle();
    expect(fake.received).toHaveLength(0);
    const rotated = await t.api('PATCH', `/api/v2/webhooks/${created._id}`, [
      { op: 'replace', path: '/on', value: true },
      { op: 'replace', path: '/secret', value: 'rotated-secret' },
      { op: 'replace', path: '/name', value: 'Renamed' },
    ]);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toBeUndefined();
    const entry = (await t.api('GET', '/api/v2/auditlog?limit=1')).body.items[0];
    expect(entry.accesses.map((a: { action: string }) => a.action).sort()).toEqual([
      'updateName',
      'updateOn',
      'updateSecret',
    ]);
    const detail = (await t.api('GET', `/api/v2/auditlog/${entry._id}`)).body;
    expect(JSON.stringify(detail)).not.toContain('rotated-secret');
    fake.secret = 'rotated-secret';
    await toggle('production', false);
    await t.settle();
    expect(fake.delivered()[0]).toMatchObject({ ldSignatureOk: true, standardSignatureOk: true });
    expect((await t.api('DELETE', `/api/v2/webhooks/${created._id}`)).status).toBe(204);
    expect((await t.api('GET', `/api/v2/webhooks/${created._id}`)).status).toBe(404);
  });

  it('a webhook stored before URLs were sealed is still delivered to, and the next start seals its URL', async () => {
    const created = await addWebhook({ secret: 'legacy-secret' });
    fake.secret = 'legacy-secret';
    // The row as it was written before: the URL in the document, the bare signing secret sealed.
    const { db } = t.switchboard.database;
    const box = new SecretBox(Buffer.from(testKey, 'base64'));
    const row = await db
      .selectFrom('integrations')
      .selectAll()
      .where('id', '=', created._id)
      .executeTakeFirstOrThrow();
    const doc = JSON.parse(row.doc);
    await db
      .updateTable('integrations')
      .set({
        doc: JSON.stringify({ ...doc, config: { url: fake.url, sign: true } }),
        secret: box.seal('legacy-secret', created._id),
        version: row.version + 1,
      })
      .where('id', '=', created._id)
      .execute();
    expect((await t.api('GET', `/api/v2/webhooks/${created._id}`)).body.url).toBe('********');
    await toggle('production', true);
    await t.settle();
    expect(fake.delivered()[0]).toMatchObject({ ldSignatureOk: true, standardSignatureOk: true });
    if (testDialect !== 'sqlite') return;

    const next = await buildSwitchboard(
      loadConfig({
        SWITCHBOARD_DATABASE_URL: `sqlite:${t.dbFile}`,
        SWITCHBOARD_SECRET_KEY: testKey,
        SWITCHBOARD_ADMIN_TOKEN: adminToken,
        SWITCHBOARD_ROLE: 'api',
      }),
    );
    await next.close();
    const sealed = await db
      .selectFrom('integrations')
      .selectAll()
      .where('id', '=', created._id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(sealed.doc).config).toEqual({ sign: true });
    expect(sealed.doc).not.toContain(fake.url);
    expect(JSON.parse(box.open(sealed.secret ?? '', created._id))).toEqual({
      url: fake.url,
      signingSecret: 'legacy-secret',
    });
    await toggle('production', false);
    await t.settle();
    expect(fake.delivered().map((r) => r.ldSignatureOk)).toEqual([true, true]);
  });
});
