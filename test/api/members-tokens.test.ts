import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
});
afterEach(async () => {
  await t.close();
});

async function latestAudit() {
  const list = await t.api('GET', '/api/v2/auditlog?limit=1');
  return (await t.api('GET', `/api/v2/auditlog/${list.body.items[0]._id}`)).body;
}

describe('members', () => {
  it('the owner exists after first start', async () => {
    const list = await t.api('GET', '/api/v2/members');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({
      email: 'ariel@acme.com',
      role: 'owner',
      _pendingInvite: false,
    });
    expect(JSON.stringify(list.body)).not.toContain('scrypt');
  });

  it('invites an array of members, each with its own createMember entry', async () => {
    const res = await t.api('POST', '/api/v2/members', [
      { email: 'bo@acme.com', role: 'writer', firstName: 'Bo' },
      { email: 'cy@acme.com' },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.items.map((m: { email: string; role: string }) => `${m.email}:${m.role}`)).toEqual([
      'bo@acme.com:writer',
      'cy@acme.com:reader',
    ]);
    expect(res.body.items[0]._pendingInvite).toBe(true);
    const entries = (await t.api('GET', '/api/v2/auditlog?limit=2')).body.items;
    const cy = res.body.items[1]._id;
    expect(entries[0].accesses).toEqual([{ action: 'createMember', resource: `member/${cy}` }]);
    expect(entries[0].titleVerb).toBe('invited the member');
    expect(entries[1].name).toBe('Bo');
  });

  it('rejects the whole invitation when one member is bad or already exists', async () => {
    await t.api('POST', '/api/v2/members', [{ email: 'bo@acme.com' }]);
    const before = await snapshot(t);
    const existing = await t.api('POST', '/api/v2/members', [
      { email: 'new@acme.com' },
      { email: 'BO@acme.com' },
    ]);
    expect(existing.status).toBe(400);
    expect(existing.body.code).toBe('email_already_exists_in_account');
    const twice = await t.api('POST', '/api/v2/members', [{ email: 'x@acme.com' }, { email: 'X@acme.com' }]);
    expect(twice.status).toBe(400);
    expect(twice.body.message).toContain('/1/email');
    const badEmail = await t.api('POST', '/api/v2/members', [
      { email: 'ok@acme.com' },
      { email: 'not-an-email' },
    ]);
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.message).toContain('/1/email');
    // The pointer for API clients, a sentence for people (issue 20).
    expect(badEmail.body.errors).toContainEqual({ pointer: '/1/email', message: 'is not an email address' });
    const tooMany = await t.api(
      'POST',
      '/api/v2/members',
      Array.from({ length: 51 }, (_, i) => ({ email: `m${i}@acme.com` })),
    );
    expect(tooMany.status).toBe(400);
    const unknownRole = await t.api('POST', '/api/v2/members', [
      { email: 'r@acme.com', customRoles: ['ghost'] },
    ]);
    expect(unknownRole.status).toBe(400);
    expect(unknownRole.body.message).toContain('/0/customRoles/0');
    expect(await snapshot(t)).toBe(before);
  });

  it('changes a role (updateRole) and removes a member with their tokens', async () => {
    const id = (await t.api('POST', '/api/v2/members', [{ email: 'bo@acme.com' }])).body.items[0]._id;
    const patched = await t.api('PATCH', `/api/v2/members/${id}`, [
      { op: 'replace', path: '/role', value: 'writer' },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body.role).toBe('writer');
    const entry = await latestAudit();
    expect(entry.accesses).toEqual([{ action: 'updateRole', resource: `member/${id}` }]);
    expect(entry.description).toBe('- Changed the role from *reader* to *writer*');

    const owner = (await t.api('GET', '/api/v2/members')).body.items[0]._id;
    expect(
      (await t.api('PATCH', `/api/v2/members/${owner}`, [{ op: 'replace', path: '/role', value: 'reader' }]))
        .status,
    ).toBe(400);
    expect((await t.api('DELETE', `/api/v2/members/${owner}`)).status).toBe(409);

    expect((await t.api('DELETE', `/api/v2/members/${id}`)).status).toBe(204);
    expect((await t.api('GET', `/api/v2/members/${id}`)).status).toBe(404);
    expect((await latestAudit()).accesses).toEqual([{ action: 'deleteMember', resource: `member/${id}` }]);
  });
});

describe('access tokens', () => {
  it('returns the secret once, stores only a hash, and the secret works', async () => {
    const res = await t.api('POST', '/api/v2/tokens', { name: 'CI token', role: 'reader' });
    expect(res.status).toBe(201);
    const secret: string = res.body.token;
    expect(secret).toMatch(/^api-[0-9a-f-]{36}$/);
    const got = await t.api('GET', `/api/v2/tokens/${res.body._id}`);
    expect(got.body.token).toBe(`****${secret.slice(-4)}`);
    expect(JSON.stringify((await t.api('GET', '/api/v2/tokens')).body)).not.toContain(secret);
    expect(await snapshot(t)).not.toContain(secret);

    const asCi = await t.api('GET', '/api/v2/projects', undefined, { authorization: `Bearer ${secret}` });
    expect(asCi.status).toBe(200);

    const entry = await latestAudit();
    expect(entry.accesses).toEqual([
      {
        action: 'createAccessToken',
        resource: expect.stringMatching(/^member\/[0-9a-f]{24}:token\/[0-9a-f]{24}$/),
      },
    ]);
    expect(JSON.stringify(entry)).not.toContain(secret);
  });

  it('names the token in audit entries of changes made with it', async () => {
    const secret = (await t.api('POST', '/api/v2/tokens', { name: 'Deploy bot', role: 'writer' })).body.token;
    await t.api('POST', '/api/v2/projects', { key: 'p', name: 'P' }, { authorization: secret });
    const entry = await latestAudit();
    expect(entry.token).toEqual({ _id: expect.any(String), name: 'Deploy bot', ending: secret.slice(-4) });
    expect(entry.member.email).toBe('ariel@acme.com');
  });

  it('renames, resets and deletes; old secrets stop working at once', async () => {
    const created = (await t.api('POST', '/api/v2/tokens', { name: 'CI' })).body;
    const renamed = await t.api('PATCH', `/api/v2/tokens/${created._id}`, [
      { op: 'replace', path: '/name', value: 'CI 2' },
    ]);
    expect(renamed.body.name).toBe('CI 2');
    expect((await latestAudit()).accesses[0].action).toBe('updateAccessTokenName');

    const reset = await t.api('POST', `/api/v2/tokens/${created._id}/reset`);
    expect(reset.status).toBe(200);
    expect(reset.body.token).not.toBe(created.token);
    expect((await latestAudit()).accesses[0].action).toBe('resetAccessToken');
    expect((await t.api('GET', '/api/v2/projects', undefined, { authorization: created.token })).status).toBe(
      401,
    );
    expect(
      (await t.api('GET', '/api/v2/projects', undefined, { authorization: reset.body.token })).status,
    ).toBe(200);

    expect((await t.api('DELETE', `/api/v2/tokens/${created._id}`)).status).toBe(204);
    expect(
      (await t.api('GET', '/api/v2/projects', undefined, { authorization: reset.body.token })).status,
    ).toBe(401);
    expect((await latestAudit()).accesses[0].action).toBe('deleteAccessToken');
  });

  it('validates inline policies with a pointer and refuses to change the secret through PATCH', async () => {
    const before = await snapshot(t);
    const bad = await t.api('POST', '/api/v2/tokens', {
      name: 'x',
      inlineRole: [{ effect: 'allow', resources: ['proj/*:env/*:flags/*'], actions: ['*'] }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('/inlineRole/0/resources/0');
    expect(bad.body.message).toContain('did you mean "flag"');
    expect(await snapshot(t)).toBe(before);

    const id = (await t.api('POST', '/api/v2/tokens', { name: 'y' })).body._id;
    const secretPatch = await t.api('PATCH', `/api/v2/tokens/${id}`, [
      { op: 'replace', path: '/token', value: 'api-mine' },
    ]);
    expect(secretPatch.status).toBe(400);
    expect(secretPatch.body.message).toBe('/token: is read-only');
  });
});
