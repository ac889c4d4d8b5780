import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptInvitation } from '../helpers/invitations.js';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;
const tokens: Record<string, string> = {};
const memberIds: Record<string, string> = {};
const sessionCookies: Record<string, string> = {};

/** Invites a member, accepts the invitation as they would, and gives them a token of their own. */
async function member(name: string, role: string, customRoles: string[] = []) {
  const invited = await t.api('POST', '/api/v2/members', [{ email: `${name}@acme.com`, role, customRoles }]);
  expect(invited.status, JSON.stringify(invited.body)).toBe(201);
  const url: string = invited.body.items[0]._inviteUrl;
  memberIds[name] = invited.body.items[0]._id;
  const session = await acceptInvitation(t, url, `${name}-password-123`);
  sessionCookies[name] = session.cookie;
  const token = await t.api(
    'POST',
    '/api/v2/tokens',
    { name: `${name} token`, ...(customRoles.length > 0 ? { customRoleIds: customRoles } : { role }) },
    session,
  );
  if (token.status === 201) tokens[name] = token.body.token;
  return token;
}

function as(name: string) {
  const token = tokens[name];
  if (token === undefined) throw new Error(`no token for ${name}`);
  return { authorization: token };
}

const toggleProduction = [{ op: 'replace', path: '/environments/production/on', value: true }];
const toggleTest = [{ op: 'replace', path: '/environments/test/on', value: true }];
const toggleTestOff = [{ op: 'replace', path: '/environments/test/on', value: false }];
let ruleId = 0;
/** A rule edit that is always a real change (fresh rule id). */
const editRules = () => [
  {
    op: 'add',
    path: '/environments/production/rules/-',
    value: {
      _id: `r${++ruleId}`,
      clauses: [{ attribute: 'country', op: 'in', values: ['NO'], negate: false }],
      variation: 0,
      trackEvents: false,
    },
  },
];
const integration = { name: 'Ops', config: { room: 'Ops', token: 'room-token' } };
const sameName = [{ op: 'replace', path: '/name', value: 'New checkout' }];

beforeAll(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
  await t.api('POST', '/api/v2/flags/default', { key: 'new-checkout', name: 'New checkout' });
  await t.api('POST', '/api/v2/roles', {
    key: 'toggle-production',
    name: 'Toggle production flags only',
    policy: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['updateOn'] }],
  });
  for (const role of ['reader', 'writer', 'admin', 'no_access']) await member(role, role);
  await member('oncall', 'no_access', ['toggle-production']);
  tokens.owner = 'api-test-admin-token-0123456789abcdef';
}, 60_000);
afterAll(async () => {
  await t.close();
});

type Case = [
  who: string,
  what: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body: unknown,
  status: number,
];

const cases: Case[] = [
  // reading follows viewProject
  ['reader', 'read flags', 'GET', '/api/v2/flags/default', undefined, 200],
  ['no_access', 'read flags', 'GET', '/api/v2/flags/default', undefined, 403],
  ['oncall', 'read flags (no viewProject)', 'GET', '/api/v2/flags/default', undefined, 403],
  ['writer', 'read flags', 'GET', '/api/v2/flags/default', undefined, 200],
  // toggling production
  ['reader', 'toggle production', 'PATCH', '/api/v2/flags/default/new-checkout', toggleProduction, 403],
  ['no_access', 'toggle production', 'PATCH', '/api/v2/flags/default/new-checkout', toggleProduction, 403],
  ['oncall', 'toggle production', 'PATCH', '/api/v2/flags/default/new-checkout', toggleProduction, 200],
  ['writer', 'toggle test', 'PATCH', '/api/v2/flags/default/new-checkout', toggleTest, 200],
  // the custom role stops at exactly updateOn in production
  ['oncall', 'edit production rules', 'PATCH', '/api/v2/flags/default/new-checkout', editRules, 403],
  ['oncall', 'toggle test', 'PATCH', '/api/v2/flags/default/new-checkout', toggleTestOff, 403],
  ['oncall', 'add an integration', 'POST', '/api/v2/integrations/hipchat', integration, 403],
  ['writer', 'edit production rules', 'PATCH', '/api/v2/flags/default/new-checkout', editRules, 200],
  // a PATCH that changes nothing answers with the flag: a read, allowed only to who may read it
  ['reader', 'patch a flag to what it is', 'PATCH', '/api/v2/flags/default/new-checkout', sameName, 200],
  ['no_access', 'patch a flag to what it is', 'PATCH', '/api/v2/flags/default/new-checkout', sameName, 403],
  ['oncall', 'patch a flag to what it is', 'PATCH', '/api/v2/flags/default/new-checkout', sameName, 403],
  // flag creation needs createFlag in every environment
  ['oncall', 'create a flag', 'POST', '/api/v2/flags/default', { key: 'x1', name: 'X1' }, 403],
  ['writer', 'create a flag', 'POST', '/api/v2/flags/default', { key: 'x2', name: 'X2' }, 201],
  // account-level resources
  ['reader', 'add an integration', 'POST', '/api/v2/integrations/hipchat', integration, 403],
  ['writer', 'add an integration', 'POST', '/api/v2/integrations/hipchat', integration, 403],
  ['admin', 'add an integration', 'POST', '/api/v2/integrations/hipchat', integration, 201],
  [
    'owner',
    'add an integration',
    'POST',
    '/api/v2/integrations/hipchat',
    { ...integration, name: 'Ops 2' },
    201,
  ],
  ['writer', 'invite a member', 'POST', '/api/v2/members', [{ email: 'w1@acme.com' }], 403],
  ['admin', 'invite a member', 'POST', '/api/v2/members', [{ email: 'a1@acme.com' }], 201],
  ['writer', 'create a role', 'POST', '/api/v2/roles', { key: 'r1', name: 'R1', policy: [] }, 403],
  ['admin', 'create a role', 'POST', '/api/v2/roles', { key: 'r2', name: 'R2', policy: [] }, 201],
  ['reader', 'create a project', 'POST', '/api/v2/projects', { key: 'p1', name: 'P1' }, 403],
  ['admin', 'create a project', 'POST', '/api/v2/projects', { key: 'p2', name: 'P2' }, 201],
];

describe('roles × actions through the HTTP API', () => {
  it.each(cases)('%s: %s → %s', async (who, _what, method, url, body, status) => {
    const before = status === 403 ? await snapshot(t) : undefined;
    const res = await t.api(method, url, typeof body === 'function' ? body() : body, as(who));
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (before !== undefined) {
      expect(res.body.code).toBe('forbidden');
      expect(await snapshot(t)).toBe(before);
    }
  });

  it('a denial names the action and the resource', async () => {
    const res = await t.api('PATCH', '/api/v2/flags/default/new-checkout', editRules(), as('oncall'));
    expect(res.body.message).toBe(
      'Not allowed: updateRules on proj/default:env/production:flag/new-checkout',
    );
  });

  it('sending a test or re-sending a delivery needs updateOn on the integration or webhook', async () => {
    const room = (await t.api('POST', '/api/v2/integrations/hipchat', { ...integration, name: 'Ops 3' }))
      .body;
    const hook = (
      await t.api('POST', '/api/v2/webhooks', { url: 'https://hooks.example.com/x', sign: false })
    ).body;
    for (const [base, resource] of [
      [`/api/v2/integrations/hipchat/${room._id}`, `integration/${room._id}`],
      [`/api/v2/webhooks/${hook._id}`, `webhook/${hook._id}`],
    ]) {
      for (const who of ['reader', 'writer']) {
        const before = await snapshot(t);
        const test = await t.api('POST', `${base}/test`, undefined, as(who));
        expect(test.status, JSON.stringify(test.body)).toBe(403);
        expect(test.body.message).toBe(`Not allowed: updateOn on ${resource}`);
        const resend = await t.api('POST', `${base}/deliveries/1/retry`, undefined, as(who));
        expect(resend.status).toBe(403);
        expect(await snapshot(t)).toBe(before);
      }
      // Allowed, it gets as far as the delivery (there is no dead one with that id).
      expect((await t.api('POST', `${base}/deliveries/1/retry`, undefined, as('admin'))).status).toBe(404);
    }
  });

  it('missing or bad credentials are 401', async () => {
    expect((await t.api('GET', '/api/v2/flags/default', undefined, { authorization: '' })).status).toBe(401);
    expect(
      (await t.api('GET', '/api/v2/flags/default', undefined, { authorization: 'api-nope' })).status,
    ).toBe(401);
  });

  it('the audit entry names the member and token that made the change', async () => {
    await t.api(
      'PATCH',
      '/api/v2/flags/default/new-checkout',
      [{ op: 'replace', path: '/environments/production/on', value: false }],
      as('oncall'),
    );
    const entry = (await t.api('GET', '/api/v2/auditlog?limit=1')).body.items[0];
    expect(entry.member.email).toBe('oncall@acme.com');
    expect(entry.token.name).toBe('oncall token');
  });
});

describe('tokens and members', () => {
  it('a token cannot be created with more rights than its creator', async () => {
    const cookie = sessionCookies.writer ?? '';
    const headers = { authorization: '', cookie, 'x-switchboard-csrf': '1' };
    const admin = await t.api('POST', '/api/v2/tokens', { name: 'too much', role: 'admin' }, headers);
    expect(admin.status).toBe(403);
    expect(admin.body.message).toContain('more rights than its member');
    const custom = await t.api(
      'POST',
      '/api/v2/tokens',
      { name: 'not mine', customRoleIds: ['toggle-production'] },
      headers,
    );
    expect(custom.status).toBe(403);
    // An inline policy is capped by the member's rights at every request instead.
    const inline = await t.api(
      'POST',
      '/api/v2/tokens',
      { name: 'inline', inlineRole: [{ effect: 'allow', resources: ['*'], actions: ['*'] }] },
      headers,
    );
    expect(inline.status).toBe(201);
    const res = await t.api(
      'POST',
      '/api/v2/integrations/hipchat',
      { ...integration, name: 'sneaky' },
      { authorization: inline.body.token },
    );
    expect(res.status).toBe(403);
  });

  it('a reader token cannot see another token’s secret or the admin’s tokens', async () => {
    const list = await t.api('GET', '/api/v2/tokens', undefined, as('reader'));
    expect(list.body.items.map((x: { name: string }) => x.name)).toEqual(['reader token']);
    expect(JSON.stringify(list.body)).not.toContain(tokens.reader);
    const adminTokens = (await t.api('GET', '/api/v2/tokens')).body.items;
    const other = adminTokens.find((x: { name: string }) => x.name === 'writer token');
    expect((await t.api('GET', `/api/v2/tokens/${other._id}`, undefined, as('reader'))).status).toBe(404);
  });

  it('an invitation link works once and never reaches the audit log', async () => {
    const invited = await t.api('POST', '/api/v2/members', [{ email: 'once@acme.com' }]);
    const url: string = invited.body.items[0]._inviteUrl;
    expect(url).toMatch(/^https:\/\/flags\.example\.com\/accept-invitation#/);
    const secret = url.split('#')[1] ?? '';
    const log = await t.api('GET', '/api/v2/auditlog?limit=20');
    expect(JSON.stringify(log.body)).not.toContain(secret);
    const detail = await t.api('GET', `/api/v2/auditlog/${log.body.items[0]._id}`);
    expect(JSON.stringify(detail.body)).not.toContain(secret);
    const accept = () =>
      t.switchboard.app.inject({
        method: 'POST',
        url: '/api/v2/invitations/accept',
        payload: { token: secret, password: 'a-long-password' },
      });
    expect((await accept()).statusCode).toBe(200);
    expect((await accept()).statusCode).toBe(409);
    const member = (await t.api('GET', `/api/v2/members/${invited.body.items[0]._id}`)).body;
    expect(member._pendingInvite).toBe(false);
    expect(JSON.stringify((await t.api('GET', '/api/v2/members')).body)).not.toContain(secret);
  });

  it('a deleted member’s sessions and tokens stop working at once', async () => {
    const token = await member('leaver', 'writer');
    expect(token.status).toBe(201);
    const cookie = sessionCookies.leaver ?? '';
    expect((await t.api('GET', '/api/v2/flags/default', undefined, as('leaver'))).status).toBe(200);
    expect((await t.api('GET', '/api/v2/session', undefined, { authorization: '', cookie })).status).toBe(
      200,
    );
    expect((await t.api('DELETE', `/api/v2/members/${memberIds.leaver}`)).status).toBe(204);
    expect((await t.api('GET', '/api/v2/flags/default', undefined, as('leaver'))).status).toBe(401);
    expect((await t.api('GET', '/api/v2/session', undefined, { authorization: '', cookie })).status).toBe(
      401,
    );
  });

  it('lowering a member’s role lowers their tokens at once', async () => {
    expect(
      (await t.api('POST', '/api/v2/flags/default', { key: 'x3', name: 'X3' }, as('writer'))).status,
    ).toBe(201);
    await t.api('PATCH', `/api/v2/members/${memberIds.writer}`, [
      { op: 'replace', path: '/role', value: 'reader' },
    ]);
    expect(
      (await t.api('POST', '/api/v2/flags/default', { key: 'x4', name: 'X4' }, as('writer'))).status,
    ).toBe(403);
  });
});
