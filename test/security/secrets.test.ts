import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postCreated, startWithFlag, toggleFlag } from '../delivery/delivery-kit.js';
import { FakeHipChat } from '../helpers/fake-hipchat.js';
import { FakeWebhook } from '../helpers/fake-webhook.js';
import type { TestSwitchboard } from '../helpers/test-switchboard.js';

// Issue #13, findings 5, 8 and 12: a write-only secret never leaves for a host its owner did not
// give it for, never lands in the audit log whatever the shape of the patch, and SDK keys and
// webhook URLs are shown only to whoever may see them.

const roomToken = 'ops-room-token-0123456789abcdef';
const ops = { id: 1, name: 'Ops Room' };
/** Production flags only: an integration does not also hear that it was added. */
const productionFlags = [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] }];

let legit: FakeHipChat;
let attacker: FakeHipChat;
let hook: FakeWebhook;
let attackerHook: FakeWebhook;
let t: TestSwitchboard;

beforeAll(async () => {
  legit = await FakeHipChat.start({ rooms: [ops], tokens: [{ token: roomToken, roomId: ops.id }] });
  attacker = await FakeHipChat.start({ rooms: [ops] });
  hook = await FakeWebhook.start();
  attackerHook = await FakeWebhook.start();
});
afterAll(async () => {
  await Promise.all([legit.close(), attacker.close(), hook.close(), attackerHook.close()]);
});
beforeEach(async () => {
  for (const fake of [legit, attacker, hook, attackerHook]) fake.reset();
  t = await startWithFlag({
    SWITCHBOARD_HIPCHAT_URL: legit.url,
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '0',
    SWITCHBOARD_HIPCHAT_TOKEN_RATE: '0',
  });
});
afterEach(async () => {
  await t.close();
});

/** An access token whose only rights are `policy` (the admin's token creates it). */
async function tokenWith(policy: unknown[]): Promise<{ authorization: string }> {
  const res = await t.api('POST', '/api/v2/tokens', { name: 'limited', inlineRole: policy });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { authorization: res.body.token };
}

async function tokenWithRole(role: string): Promise<{ authorization: string }> {
  const res = await t.api('POST', '/api/v2/tokens', { name: role, role });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { authorization: res.body.token };
}

/** Every audit entry as stored (entry, before, after, delta), and as the API details it. */
async function auditText(): Promise<string> {
  const rows = await t.switchboard.database.db.selectFrom('audit_entries').selectAll().execute();
  const details = await Promise.all(rows.map((r) => t.api('GET', `/api/v2/auditlog/${r.id}`)));
  return [JSON.stringify(rows), ...details.map((d) => JSON.stringify(d.body))].join('\n');
}

describe('secrets', () => {
  it('someone who may only configure an integration cannot point it, token kept, at their own server', async () => {
    const room = await postCreated(t, '/api/v2/integrations/hipchat', {
      name: 'Ops',
      config: { room: ops.name, server: legit.url, token: roomToken },
      statements: productionFlags,
    });
    const configurer = await tokenWith([
      { effect: 'allow', resources: ['integration/*'], actions: ['updateConfiguration', 'updateOn'] },
    ]);
    const url = `/api/v2/integrations/hipchat/${room._id}`;
    const moves = [
      [{ op: 'replace', path: '/config/server', value: attacker.url }],
      [
        {
          op: 'replace',
          path: '/config',
          value: { room: ops.name, server: attacker.url, token: '********' },
        },
      ],
      [{ op: 'replace', path: '', value: { ...room, config: { ...room.config, server: attacker.url } } }],
      // Back to the default server is a move too.
      [{ op: 'remove', path: '/config/server' }],
    ];
    for (const patch of moves) {
      const res = await t.api('PATCH', url, patch, configurer);
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.body.errors).toEqual([
        { pointer: '/config/token', message: 'is required when /config/server changes' },
      ]);
    }
    expect((await t.api('POST', `${url}/test`, undefined, configurer)).body).toMatchObject({ ok: true });
    await toggleFlag(t, 'production', true);
    await t.settle();
    expect(attacker.received).toEqual([]);
    expect(legit.received.every((r) => r.token === roomToken)).toBe(true);

    // Whoever holds the token may move the integration, by giving it again.
    const moved = await t.api('PATCH', url, [
      { op: 'replace', path: '/config', value: { room: ops.name, server: attacker.url, token: 'their-own' } },
    ]);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  });

  it('someone who may only change a signed webhook URL cannot collect its signed payloads', async () => {
    const created = await postCreated(t, '/api/v2/webhooks', {
      url: hook.url,
      sign: true,
      statements: productionFlags,
    });
    const mover = await tokenWith([
      { effect: 'allow', resources: ['webhook/*'], actions: ['updateUrl', 'updateOn'] },
    ]);
    const url = `/api/v2/webhooks/${created._id}`;
    for (const patch of [
      [{ op: 'replace', path: '/url', value: attackerHook.url }],
      [{ op: 'replace', path: '', value: { ...created, secret: '********', url: attackerHook.url } }],
    ]) {
      const res = await t.api('PATCH', url, patch, mover);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.errors).toEqual([{ pointer: '/secret', message: 'is required when /url changes' }]);
    }
    expect((await t.api('POST', `${url}/test`, undefined, mover)).body).toMatchObject({ ok: true });
    expect(attackerHook.received).toEqual([]);
    expect(hook.received).toHaveLength(1);
  });

  it('a whole-document patch that replaces a secret leaves no trace of it in the audit log', async () => {
    const room = await postCreated(t, '/api/v2/integrations/hipchat', {
      name: 'Ops',
      config: { room: ops.name, token: roomToken },
      statements: productionFlags,
    });
    const newToken = 'whole-document-token-fedcba9876543210';
    const whole = await t.api('PATCH', `/api/v2/integrations/hipchat/${room._id}`, [
      { op: 'test', path: '/config/token', value: '********' },
      { op: 'replace', path: '', value: { ...room, config: { ...room.config, token: newToken } } },
    ]);
    expect(whole.status, JSON.stringify(whole.body)).toBe(200);
    const hooked = await postCreated(t, '/api/v2/webhooks', {
      url: hook.url,
      sign: true,
      statements: productionFlags,
    });
    const newSecret = 'whole-document-signing-secret-0123';
    const rotated = await t.api('PATCH', `/api/v2/webhooks/${hooked._id}`, {
      patch: [{ op: 'replace', path: '', value: { ...hooked, secret: newSecret, name: 'Deploy' } }],
      comment: 'rotating',
    });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);

    const audit = await auditText();
    for (const secret of [roomToken, newToken, hooked.secret, newSecret]) expect(audit).not.toContain(secret);
    for (const q of [newToken, newSecret])
      expect((await t.api('GET', `/api/v2/auditlog?q=${q}`)).body.items).toEqual([]);
  });

  it('a reader reads environments and projects with their SDK and mobile keys masked, and no audit entry holds them', async () => {
    await t.api('POST', '/api/v2/projects/default/environments', {
      key: 'staging',
      name: 'S',
      color: '000000',
    });
    await t.api('PATCH', '/api/v2/projects/default/environments/staging', [
      { op: 'replace', path: '/name', value: 'Staging' },
    ]);
    const keys = (await t.api('GET', '/api/v2/projects/default/environments')).body.items.flatMap(
      (e: { apiKey: string; mobileKey: string }) => [e.apiKey, e.mobileKey],
    );
    expect(keys).toHaveLength(6);
    for (const key of keys) expect(key).toMatch(/^(sdk|mob)-/);

    const reader = await tokenWithRole('reader');
    const productionOnly = await tokenWith([
      { effect: 'allow', resources: ['proj/default'], actions: ['viewProject'] },
      { effect: 'allow', resources: ['proj/default:env/production'], actions: ['viewSdkKey'] },
    ]);
    const read = async (who: { authorization: string }) =>
      [
        (await t.api('GET', '/api/v2/projects/default/environments/staging', undefined, who)).body,
        ...(await t.api('GET', '/api/v2/projects/default/environments', undefined, who)).body.items,
        ...(await t.api('GET', '/api/v2/projects/default?expand=environments', undefined, who)).body
          .environments.items,
        ...(await t.api('GET', '/api/v2/projects?expand=environments', undefined, who)).body.items[0]
          .environments.items,
      ] as { key: string; apiKey: string; mobileKey: string }[];
    for (const env of await read(reader)) {
      expect(env).toMatchObject({ apiKey: '********', mobileKey: '********' });
    }
    for (const env of await read(productionOnly)) {
      if (env.key === 'production') expect(env.apiKey).toMatch(/^sdk-/);
      else expect(env).toMatchObject({ apiKey: '********', mobileKey: '********' });
    }
    const writer = await tokenWithRole('writer');
    expect((await read(writer)).every((e) => e.apiKey.startsWith('sdk-'))).toBe(true);

    await t.api('DELETE', '/api/v2/projects/default/environments/staging');
    const audit = await auditText();
    for (const key of keys) expect(audit).not.toContain(key);
  });

  it('a webhook URL is a secret: masked in the API, absent from the audit log, still delivered to', async () => {
    const secretUrl = `${hook.url}/T0123/B0123/xoxwebhooksecretpath`;
    const created = await postCreated(t, '/api/v2/webhooks', {
      url: secretUrl,
      sign: false,
      statements: productionFlags,
    });
    expect(created.url).toBe('********');
    const url = `/api/v2/webhooks/${created._id}`;
    const renamed = await t.api('PATCH', url, [{ op: 'replace', path: '/name', value: 'Deploy bot' }]);
    expect(renamed.body.url).toBe('********');
    const otherUrl = `${attackerHook.url}/other/xoxothersecretpath`;
    const moved = await t.api('PATCH', url, [
      { op: 'replace', path: '', value: { ...renamed.body, url: otherUrl } },
    ]);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const shown = JSON.stringify([
      moved.body,
      (await t.api('GET', url)).body,
      (await t.api('GET', '/api/v2/webhooks')).body,
    ]);
    const audit = await auditText();
    for (const secret of [secretUrl, otherUrl, 'xoxwebhooksecretpath', 'xoxothersecretpath']) {
      expect(shown).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
    await toggleFlag(t, 'production', true);
    await t.settle();
    expect(attackerHook.delivered().map((r) => JSON.parse(r.body).titleVerb)).toEqual(['turned on the flag']);
    expect(hook.received).toEqual([]);
  });
});
