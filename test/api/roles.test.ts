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

const productionFlags = {
  effect: 'allow',
  resources: ['proj/*:env/production:flag/*'],
  actions: ['updateOn'],
};

async function createDevops(extra: Record<string, unknown> = {}) {
  const res = await t.api('POST', '/api/v2/roles', {
    key: 'devops',
    name: 'DevOps',
    policy: [productionFlags],
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body;
}

describe('custom roles', () => {
  it('creates a role with its audit entry, reads and lists it', async () => {
    const created = await t.api('POST', '/api/v2/roles', {
      key: 'devops',
      name: 'DevOps',
      description: 'Kill switches in production',
      // Stored in the canonical order of its fields, whatever order it was sent in.
      policy: [{ actions: ['updateOn'], resources: ['proj/*:env/production:flag/*'], effect: 'allow' }],
      basePermissions: 'reader',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      key: 'devops',
      name: 'DevOps',
      description: 'Kill switches in production',
      basePermissions: 'reader',
      _version: 1,
      _links: { self: { href: '/api/v2/roles/devops' } },
    });
    expect(Object.keys(created.body.policy[0])).toEqual(['effect', 'resources', 'actions']);
    expect(created.body._id).toMatch(/^[0-9a-f]{24}$/);
    expect(created.body).not.toHaveProperty('_warnings');

    const entry = await latestAudit();
    expect(entry.kind).toBe('role');
    expect(entry.accesses).toEqual([{ action: 'createRole', resource: 'role/devops' }]);
    expect(entry.title).toBe(
      '[ariel@acme.com](mailto:ariel@acme.com) created the role ' +
        '[DevOps](https://flags.example.com/settings/roles/devops)',
    );
    expect(entry.description).toBe('- Created the role with 1 policy statement');
    expect(entry.target).toEqual({ name: 'DevOps', resources: ['role/devops'] });
    expect(entry.parent).toBeUndefined();
    expect(entry._links.site.href).toBe('/settings/roles/devops');

    expect((await t.api('GET', '/api/v2/roles/devops')).body).toEqual(created.body);
    const list = await t.api('GET', '/api/v2/roles');
    expect(list.body).toMatchObject({ totalCount: 1, items: [{ key: 'devops' }] });
  });

  it('warns about unknown action names but keeps the role', async () => {
    const res = await t.api('POST', '/api/v2/roles', {
      key: 'toggler',
      name: 'Toggler',
      policy: [{ effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['toggleFlag'] }],
    });
    expect(res.status).toBe(201);
    expect(res.body._warnings).toEqual([
      { pointer: '/policy/0/actions/0', message: 'unknown action "toggleFlag" (did you mean "updateOn"?)' },
    ]);
    expect((await t.api('GET', '/api/v2/roles/toggler')).body).not.toHaveProperty('_warnings');
  });

  it('updates the policy with {patch, comment}', async () => {
    await createDevops();
    const patched = await t.api('PATCH', '/api/v2/roles/devops', {
      patch: [
        {
          op: 'add',
          path: '/policy/-',
          value: { effect: 'deny', resources: ['proj/*:env/production:flag/ops_*'], actions: ['*'] },
        },
      ],
      comment: 'keep hands off ops flags',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.policy).toHaveLength(2);
    expect(patched.body._version).toBe(2);

    const entry = await latestAudit();
    expect(entry.comment).toBe('keep hands off ops flags');
    expect(entry.accesses).toEqual([{ action: 'updatePolicy', resource: 'role/devops' }]);
    expect(entry.title).toBe(
      '[ariel@acme.com](mailto:ariel@acme.com) updated the role ' +
        '[DevOps](https://flags.example.com/settings/roles/devops)',
    );
    expect(entry.description).toBe(
      '- Changed the policy from ' +
        '`[{"effect":"allow","resources":["proj/*:env/production:flag/*"],"actions":["updateOn"]}]` to ' +
        '`[{"effect":"allow","resources":["proj/*:env/production:flag/*"],"actions":["updateOn"]},' +
        '{"effect":"deny","resources":["proj/*:env/production:flag/ops_*"],"actions":["*"]}]`',
    );
    expect(entry.previousVersion.policy).toHaveLength(1);
    expect(entry.currentVersion.policy).toHaveLength(2);
  });

  it('updates name, description and base permissions with a bare JSON Patch array', async () => {
    await createDevops();
    const patched = await t.api('PATCH', '/api/v2/roles/devops', [
      { op: 'replace', path: '/name', value: 'Site reliability' },
      { op: 'replace', path: '/description', value: 'On call' },
      { op: 'add', path: '/basePermissions', value: 'no_access' },
    ]);
    expect(patched.status).toBe(200);
    const entry = await latestAudit();
    expect(entry.accesses).toEqual([
      { action: 'updateName', resource: 'role/devops' },
      { action: 'updateDescription', resource: 'role/devops' },
      { action: 'updatePolicy', resource: 'role/devops' },
    ]);
    expect(entry.description).toBe(
      [
        '- Changed the name from *DevOps* to *Site reliability*',
        '- Changed the description from *(none)* to *On call*',
        '- Changed the base permissions from *(none)* to *no\\_access*',
      ].join('\n'),
    );
  });

  it('deletes a role', async () => {
    await createDevops();
    expect((await t.api('DELETE', '/api/v2/roles/devops')).status).toBe(204);
    expect((await t.api('GET', '/api/v2/roles/devops')).status).toBe(404);
    const entry = await latestAudit();
    expect(entry.accesses).toEqual([{ action: 'deleteRole', resource: 'role/devops' }]);
    expect(entry.title).toBe('[ariel@acme.com](mailto:ariel@acme.com) deleted the role DevOps');
    expect(entry.description).toBe('- Deleted the role');
    expect(entry.previousVersion.policy).toEqual([productionFlags]);
  });

  it('rejects an invalid policy with the pointer of the problem, changing nothing', async () => {
    await createDevops();
    const before = await snapshot(t);

    const badType = await t.api('POST', '/api/v2/roles', {
      key: 'r2',
      name: 'Two',
      policy: [{ effect: 'allow', resources: ['proj/*:env/*:flags/*'], actions: ['*'] }],
    });
    expect(badType.status).toBe(400);
    expect(badType.body.code).toBe('invalid_request');
    expect(badType.body.errors).toHaveLength(1);
    expect(badType.body.errors[0].pointer).toBe('/policy/0/resources/0');
    expect(badType.body.errors[0].message).toContain('did you mean "flag"?');
    expect(badType.body.message).toMatch(/^\/policy\/0\/resources\/0: /);

    const bothSides = await t.api('POST', '/api/v2/roles', {
      key: 'r2',
      name: 'Two',
      policy: [productionFlags, { effect: 'deny', resources: ['*'], notResources: ['*'], actions: ['*'] }],
    });
    expect(bothSides.status).toBe(400);
    expect(bothSides.body.errors[0].pointer).toBe('/policy/1');

    const unknownField = await t.api('POST', '/api/v2/roles', {
      key: 'r2',
      name: 'Two',
      policy: [{ ...productionFlags, resource: ['proj/*'] }],
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors[0].pointer).toBe('/policy/0/resource');

    const notAnArray = await t.api('POST', '/api/v2/roles', { key: 'r2', name: 'Two', policy: {} });
    expect(notAnArray.status).toBe(400);
    expect(notAnArray.body.message).toContain('/policy');

    const patchedBad = await t.api('PATCH', '/api/v2/roles/devops', [
      { op: 'replace', path: '/policy/0/effect', value: 'alow' },
    ]);
    expect(patchedBad.status).toBe(400);
    expect(patchedBad.body.errors).toEqual([
      { pointer: '/policy/0/effect', message: '"effect" must be "allow" or "deny" (did you mean "allow"?)' },
    ]);

    const patchedResource = await t.api('PATCH', '/api/v2/roles/devops', [
      { op: 'replace', path: '/policy/0/resources/0', value: 'proj/*:flag/*' },
    ]);
    expect(patchedResource.status).toBe(400);
    expect(patchedResource.body.errors[0].pointer).toBe('/policy/0/resources/0');

    const emptied = await t.api('PATCH', '/api/v2/roles/devops', [{ op: 'remove', path: '/policy' }]);
    expect(emptied.status).toBe(400);
    expect(emptied.body.errors[0].pointer).toBe('/policy');

    expect(await snapshot(t)).toBe(before);
  });

  it('rejects bad input and leaves the database unchanged', async () => {
    await createDevops();
    const before = await snapshot(t);

    const dup = await t.api('POST', '/api/v2/roles', { key: 'devops', name: 'Again', policy: [] });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('conflict');

    const unknown = await t.api('POST', '/api/v2/roles', { key: 'r2', name: 'Two', policy: [], admin: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'invalid_request', message: '/admin: unknown field' });

    const badBase = await t.api('POST', '/api/v2/roles', {
      key: 'r2',
      name: 'Two',
      policy: [],
      basePermissions: 'admin',
    });
    expect(badBase.status).toBe(400);
    expect(badBase.body.message).toContain('/basePermissions');

    const badPath = await t.api('PATCH', '/api/v2/roles/devops', [
      { op: 'replace', path: '/nope/deeper', value: 1 },
    ]);
    expect(badPath.status).toBe(400);
    expect(badPath.body.message).toContain('/patch/0/path');

    const readOnly = await t.api('PATCH', '/api/v2/roles/devops', [
      { op: 'replace', path: '/_id', value: 'x' },
    ]);
    expect(readOnly.status).toBe(400);
    expect(readOnly.body.message).toBe('/_id: is read-only');

    const badName = await t.api('PATCH', '/api/v2/roles/devops', [
      { op: 'replace', path: '/name', value: '' },
    ]);
    expect(badName.status).toBe(400);
    expect(badName.body.message).toContain('/name');

    const stale = await t.api('PATCH', '/api/v2/roles/devops', [
      { op: 'test', path: '/_version', value: 7 },
      { op: 'replace', path: '/name', value: 'Late' },
    ]);
    expect(stale.status).toBe(409);

    expect((await t.api('GET', '/api/v2/roles/nope')).status).toBe(404);
    expect(
      (await t.api('PATCH', '/api/v2/roles/nope', [{ op: 'replace', path: '/name', value: 'x' }])).status,
    ).toBe(404);
    expect((await t.api('DELETE', '/api/v2/roles/nope')).status).toBe(404);
    expect((await t.api('GET', '/api/v2/roles', undefined, { authorization: '' })).status).toBe(401);

    expect(await snapshot(t)).toBe(before);
  });
});

describe('custom roles still in use', () => {
  let u: TestSwitchboard;
  beforeEach(async () => {
    u = await startTestSwitchboard();
  });
  afterEach(async () => {
    await u.close();
  });

  it('cannot be deleted while a member holds them', async () => {
    await u.api('POST', '/api/v2/roles', {
      key: 'ops',
      name: 'Ops',
      policy: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['updateOn'] }],
    });
    const member = (
      await u.api('POST', '/api/v2/members', [{ email: 'on-call@acme.com', customRoles: ['ops'] }])
    ).body.items[0];
    const refused = await u.api('DELETE', '/api/v2/roles/ops');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('on-call@acme.com');
    await u.api('DELETE', `/api/v2/members/${member._id}`);
    expect((await u.api('DELETE', '/api/v2/roles/ops')).status).toBe(204);
  });
});
