import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';
import { customRole, owner, type Someone, someone } from './security-kit.js';

// Issue 16, item 3: a custom role may be named by its _id as well as its key. Every escalation
// refused when the role is named by key must be refused the same way when it is named by _id,
// and what is stored names the role by key either way.

let t: TestSwitchboard;
let inviter: Someone;
let teamLead: Someone;
const ids: Record<string, string> = {};

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
  for (const role of (await t.api('GET', '/api/v2/roles')).body.items) ids[role.key] = role._id;
  inviter = await someone(t, 'ivy', 'no_access', ['inviter']);
  teamLead = await someone(t, 'lee', 'reader', ['team-lead']);
}, 60_000);
afterAll(async () => {
  await t.close();
});

const byKey = (key: string) => key;
const byId = (key: string) => ids[key] as string;

describe.each([
  ['key', byKey],
  ['_id', byId],
])('a custom role named by its %s', (_how, name) => {
  it('is refused to an inviter who does not hold it, with the same status, and nothing changes', async () => {
    const before = await snapshot(t);
    const res = await t.api(
      'POST',
      '/api/v2/members',
      [{ email: 'editor@evil.test', role: 'no_access', customRoles: [name('flag-editor')] }],
      inviter.headers,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.message).toContain('flag-editor');
    expect(await snapshot(t)).toBe(before);
  });

  it('cannot be patched onto a member, or onto oneself, by a team lead who lacks it', async () => {
    const before = await snapshot(t);
    for (const patch of [
      [{ op: 'add', path: '/customRoles/-', value: name('flag-editor') }],
      [{ op: 'replace', path: '/customRoles', value: [name('team-lead'), name('flag-editor')] }],
    ]) {
      const res = await t.api('PATCH', `/api/v2/members/${teamLead.id}`, patch, teamLead.headers);
      expect(res.status, JSON.stringify(res.body)).toBe(403);
    }
    expect(await snapshot(t)).toBe(before);
  });

  it('cannot be added to a token limited to another role, and is granted to the same token as by key', async () => {
    const limited = await t.api(
      'POST',
      '/api/v2/tokens',
      { name: 'limited', customRoleIds: [name('flags-and-tokens')] },
      owner,
    );
    expect(limited.status, JSON.stringify(limited.body)).toBe(201);
    expect(limited.body.customRoleIds).toEqual(['flags-and-tokens']);
    const headers = { authorization: limited.body.token };
    const more = await t.api(
      'POST',
      '/api/v2/tokens',
      { name: 'more', customRoleIds: [name('flags-and-tokens'), name('team-lead')] },
      headers,
    );
    expect(more.status, JSON.stringify(more.body)).toBe(403);
    // Within its rights either way, and stored by key.
    const same = await t.api(
      'POST',
      '/api/v2/tokens',
      { name: 'same', customRoleIds: [name('flags-and-tokens')] },
      headers,
    );
    expect(same.status, JSON.stringify(same.body)).toBe(201);
    expect(same.body.customRoleIds).toEqual(['flags-and-tokens']);
    // The role grants what it says: flags yes, members no.
    const flag = await t.api(
      'POST',
      '/api/v2/flags/default',
      { key: `f-${_how.replace('_', '')}`, name: 'F' },
      { authorization: same.body.token },
    );
    expect(flag.status, JSON.stringify(flag.body)).toBe(201);
    const invite = await t.api(
      'POST',
      '/api/v2/members',
      [{ email: `x${_how.replace('_', '')}@acme.com`, role: 'no_access' }],
      { authorization: same.body.token },
    );
    expect(invite.status).toBe(403);
  });

  it('patched onto a token by id is stored as the key, and the same role twice is once', async () => {
    const token = await t.api('POST', '/api/v2/tokens', { name: 'switch', role: 'reader' }, owner);
    const res = await t.api(
      'PATCH',
      `/api/v2/tokens/${token.body._id}`,
      [
        { op: 'remove', path: '/role' },
        { op: 'replace', path: '/customRoleIds', value: [...new Set([name('flag-editor'), 'flag-editor'])] },
      ],
      owner,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.customRoleIds).toEqual(['flag-editor']);
  });
});

describe('a role named by an _id that is no role', () => {
  it('is a 400 naming the field, like an unknown key', async () => {
    const res = await t.api(
      'POST',
      '/api/v2/tokens',
      { name: 'x', customRoleIds: ['0123456789abcdef01234567'] },
      owner,
    );
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('/customRoleIds/0');
    const member = await t.api(
      'POST',
      '/api/v2/members',
      [{ email: 'nobody@acme.com', customRoles: ['0123456789abcdef01234567'] }],
      owner,
    );
    expect(member.status).toBe(400);
    expect(member.body.message).toContain('/0/customRoles/0');
  });

  it('reads, and deletes, a role by its _id as by its key', async () => {
    const got = await t.api('GET', `/api/v2/roles/${ids.inviter}`);
    expect(got.status).toBe(200);
    expect(got.body.key).toBe('inviter');
    expect((await t.api('GET', '/api/v2/roles/0123456789abcdef01234567')).status).toBe(404);
    // Still assigned (to ivy): refused by id exactly as by key.
    const held = await t.api('DELETE', `/api/v2/roles/${ids.inviter}`);
    expect(held.status).toBe(409);
    await customRole(t, 'spare', []);
    const spare = (await t.api('GET', '/api/v2/roles/spare')).body._id;
    expect((await t.api('DELETE', `/api/v2/roles/${spare}`)).status).toBe(204);
    expect((await t.api('GET', '/api/v2/roles/spare')).status).toBe(404);
  });
});
