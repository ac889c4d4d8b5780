import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';
import { customRole, owner, type Someone, someone } from './security-kit.js';

// Issue 13, findings 1, 2 and 9: ways to gain rights through tokens, invitations and role
// assignments. Each test is the attack as it was performed against the landed code.

let t: TestSwitchboard;
let writer: Someone;
let inviter: Someone;
let teamLead: Someone;

beforeAll(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
  await customRole(t, 'inviter', [{ effect: 'allow', resources: ['member/*'], actions: ['createMember'] }]);
  await customRole(t, 'team-lead', [
    { effect: 'allow', resources: ['member/*'], actions: ['createMember', 'updateRole', 'updateCustomRole'] },
  ]);
  await customRole(t, 'flag-editor', [
    { effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['*'] },
  ]);
  await customRole(t, 'flags-and-tokens', [
    { effect: 'allow', resources: ['proj/*:env/*:flag/*', 'member/*:token/*'], actions: ['*'] },
  ]);
  writer = await someone(t, 'wren', 'writer');
  inviter = await someone(t, 'ivy', 'no_access', ['inviter']);
  teamLead = await someone(t, 'lee', 'reader', ['team-lead']);
}, 60_000);
afterAll(async () => {
  await t.close();
});

/** A token the owner makes for themselves with fewer rights than their own. */
async function ownerToken(body: Record<string, unknown>): Promise<string> {
  const created = await t.api('POST', '/api/v2/tokens', { name: 'limited', ...body }, owner);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.token;
}

describe('finding 1: a token cannot mint or become a token above its own rights', () => {
  it.each(['reader', 'no_access', 'writer'])(
    'a %s token of an admin cannot create an admin token',
    async (role) => {
      const limited = { authorization: await ownerToken({ role }) };
      const minted = await t.api('POST', '/api/v2/tokens', { name: 'escalated', role: 'admin' }, limited);
      expect(minted.status, JSON.stringify(minted.body)).toBe(403);
      expect(minted.body.message).toMatch(/more rights than/);
    },
  );

  it('a reader token cannot patch its own role to admin', async () => {
    const secret = await ownerToken({ role: 'reader' });
    const limited = { authorization: secret };
    const mine = (await t.api('GET', '/api/v2/tokens', undefined, limited)).body.items.find(
      (token: { token: string }) => token.token === `****${secret.slice(-4)}`,
    );
    const raised = await t.api(
      'PATCH',
      `/api/v2/tokens/${mine._id}`,
      [{ op: 'replace', path: '/role', value: 'admin' }],
      limited,
    );
    expect(raised.status, JSON.stringify(raised.body)).toBe(403);
    // And the token is still a reader: it cannot create a project.
    const write = await t.api('POST', '/api/v2/projects', { key: 'nope', name: 'Nope' }, limited);
    expect(write.status).toBe(403);
  });

  it('an inline policy bounds the tokens it can create, and the same policy is allowed', async () => {
    const inlineRole = [
      { effect: 'allow', resources: ['member/*:token/*'], actions: ['*'] },
      { effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] },
    ];
    const limited = { authorization: await ownerToken({ inlineRole }) };
    const asWriter = await t.api('POST', '/api/v2/tokens', { name: 'w', role: 'writer' }, limited);
    expect(asWriter.status).toBe(403);
    const wider = await t.api(
      'POST',
      '/api/v2/tokens',
      { name: 'w', inlineRole: [{ effect: 'allow', resources: ['proj/*'], actions: ['*'] }] },
      limited,
    );
    expect(wider.status).toBe(403);
    const same = await t.api('POST', '/api/v2/tokens', { name: 'same', inlineRole }, limited);
    expect(same.status, JSON.stringify(same.body)).toBe(201);
    const reader = await t.api('POST', '/api/v2/tokens', { name: 'reader', role: 'reader' }, limited);
    expect(reader.status, JSON.stringify(reader.body)).toBe(201);
  });

  it('a custom-role token cannot add a role its own token lacks', async () => {
    // The owner holds every right; their token limited to one custom role stays limited.
    const limited = { authorization: await ownerToken({ customRoleIds: ['flags-and-tokens'] }) };
    const more = await t.api(
      'POST',
      '/api/v2/tokens',
      { name: 'more', customRoleIds: ['flags-and-tokens', 'team-lead'] },
      limited,
    );
    expect(more.status).toBe(403);
    const same = await t.api(
      'POST',
      '/api/v2/tokens',
      { name: 'same', customRoleIds: ['flags-and-tokens'] },
      limited,
    );
    expect(same.status, JSON.stringify(same.body)).toBe(201);
  });

  it('a session still creates any token up to its member, and not above', async () => {
    const admin = await t.api('POST', '/api/v2/tokens', { name: 'x', role: 'admin' }, writer.session);
    expect(admin.status).toBe(403);
    const own = await t.api('POST', '/api/v2/tokens', { name: 'x', role: 'writer' }, writer.session);
    expect(own.status).toBe(201);
  });
});

describe('finding 2: nobody invites or assigns a role above their own', () => {
  it('an inviter cannot create a second owner, an admin, or a member with roles they lack', async () => {
    const before = await snapshot(t);
    for (const invite of [
      { email: 'owner2@evil.test', role: 'owner' },
      { email: 'admin2@evil.test', role: 'admin' },
      { email: 'writer2@evil.test', role: 'writer' },
      { email: 'editor2@evil.test', role: 'no_access', customRoles: ['flag-editor'] },
    ]) {
      const res = await t.api('POST', '/api/v2/members', [invite], inviter.headers);
      expect([400, 403], `${invite.email}: ${JSON.stringify(res.body)}`).toContain(res.status);
    }
    expect(await snapshot(t)).toBe(before);
    const own = await t.api(
      'POST',
      '/api/v2/members',
      [{ email: 'na@acme.com', role: 'no_access' }],
      inviter.headers,
    );
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    const sameRole = await t.api(
      'POST',
      '/api/v2/members',
      [{ email: 'ivy2@acme.com', role: 'no_access', customRoles: ['inviter'] }],
      inviter.headers,
    );
    expect(sameRole.status, JSON.stringify(sameRole.body)).toBe(201);
  });

  it('the owner role is never given by invitation, not even by the owner', async () => {
    const res = await t.api('POST', '/api/v2/members', [{ email: 'second@acme.com', role: 'owner' }], owner);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('/0/role');
  });

  it('a team lead cannot raise a member (or themselves) above their own rights', async () => {
    const invited = await t.api(
      'POST',
      '/api/v2/members',
      [{ email: 'pat@acme.com', role: 'reader' }],
      owner,
    );
    const pat = invited.body.items[0]._id;
    for (const [id, patch] of [
      [pat, [{ op: 'replace', path: '/role', value: 'admin' }]],
      [pat, [{ op: 'replace', path: '/customRoles', value: ['flag-editor'] }]],
      [teamLead.id, [{ op: 'replace', path: '/role', value: 'writer' }]],
      [teamLead.id, [{ op: 'add', path: '/customRoles/-', value: 'flag-editor' }]],
    ] as const) {
      const res = await t.api('PATCH', `/api/v2/members/${id}`, patch, teamLead.headers);
      expect(res.status, JSON.stringify(res.body)).toBe(403);
    }
    const down = await t.api(
      'PATCH',
      `/api/v2/members/${pat}`,
      [{ op: 'replace', path: '/role', value: 'no_access' }],
      teamLead.headers,
    );
    expect(down.status, JSON.stringify(down.body)).toBe(200);
  });
});

describe('roles: nobody writes a role above their own rights', () => {
  it('a role manager cannot write an admin role, widen their own, or lift a deny', async () => {
    await customRole(t, 'role-manager', [
      { effect: 'allow', resources: ['role/*'], actions: ['*'] },
      { effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['*'] },
    ]);
    await customRole(t, 'no-production', [
      { effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['*'] },
      { effect: 'deny', resources: ['proj/*:env/production:flag/*'], actions: ['*'] },
    ]);
    const rhea = await someone(t, 'rhea', 'reader', ['role-manager']);
    const everything = [{ effect: 'allow', resources: ['*'], actions: ['*'] }];
    const admin = await t.api(
      'POST',
      '/api/v2/roles',
      { key: 'x', name: 'x', policy: everything },
      rhea.headers,
    );
    expect(admin.status, JSON.stringify(admin.body)).toBe(403);
    const widen = await t.api(
      'PATCH',
      '/api/v2/roles/role-manager',
      [{ op: 'add', path: '/policy/-', value: everything[0] }],
      rhea.headers,
    );
    expect(widen.status, JSON.stringify(widen.body)).toBe(403);
    const lift = await t.api(
      'PATCH',
      '/api/v2/roles/no-production',
      [{ op: 'remove', path: '/policy/1' }],
      rhea.headers,
    );
    expect(lift.status, JSON.stringify(lift.body)).toBe(403);
    const within = await t.api(
      'POST',
      '/api/v2/roles',
      {
        key: 'flag-reader',
        name: 'x',
        policy: [{ effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['updateOn'] }],
      },
      rhea.headers,
    );
    expect(within.status, JSON.stringify(within.body)).toBe(201);
  });
});

describe("finding 9: a write that changes nothing does not reveal another member's token", () => {
  it('test ops on the owner token answer 404, whatever their value', async () => {
    const ownerTokens = (await t.api('GET', '/api/v2/tokens', undefined, owner)).body.items;
    const target = ownerTokens[0];
    for (const value of [target.name, 'wrong guess']) {
      const res = await t.api(
        'PATCH',
        `/api/v2/tokens/${target._id}`,
        [{ op: 'test', path: '/name', value }],
        writer.headers,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain(target.name);
    }
    for (const [method, url] of [
      ['POST', `/api/v2/tokens/${target._id}/reset`],
      ['DELETE', `/api/v2/tokens/${target._id}`],
    ] as const) {
      expect((await t.api(method, url, undefined, writer.headers)).status).toBe(404);
    }
  });
});
