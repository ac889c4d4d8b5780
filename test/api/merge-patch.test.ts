import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
  expect((await t.api('POST', '/api/v2/projects', { key: 'shop', name: 'Shop', tags: ['web'] })).status).toBe(
    201,
  );
});
afterEach(async () => {
  await t.close();
});

const merge = { 'content-type': 'application/merge-patch+json' };

async function latestAudit() {
  const list = await t.api('GET', '/api/v2/auditlog?limit=1');
  return (await t.api('GET', `/api/v2/auditlog/${list.body.items[0]._id}`)).body;
}

describe('JSON merge patch (RFC 7386)', () => {
  it('updates a project from {merge, comment}, audited with the comment and the merge as its delta', async () => {
    const res = await t.api('PATCH', '/api/v2/projects/shop', {
      merge: { name: 'Boutique', tags: ['web', 'eu'] },
      comment: 'rebrand',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Boutique', tags: ['web', 'eu'], _version: 2 });
    const entry = await latestAudit();
    expect(entry.comment).toBe('rebrand');
    expect(entry.accesses.map((a: { action: string }) => a.action).sort()).toEqual([
      'updateProjectName',
      'updateTags',
    ]);
    expect(entry.delta).toEqual({ name: 'Boutique', tags: ['web', 'eu'] });
  });

  it('takes application/merge-patch+json bodies on projects, environments and roles', async () => {
    const project = await t.api('PATCH', '/api/v2/projects/shop', { name: 'Merged' }, merge);
    expect(project.status).toBe(200);
    expect(project.body.name).toBe('Merged');

    const env = await t.api(
      'PATCH',
      '/api/v2/projects/shop/environments/test',
      { color: '123456', critical: true },
      merge,
    );
    expect(env.status).toBe(200);
    expect(env.body).toMatchObject({ color: '123456', critical: true, name: 'Test' });

    const role = await t.api('POST', '/api/v2/roles', {
      key: 'ops',
      name: 'Ops',
      policy: [{ effect: 'allow', resources: ['proj/*'], actions: ['*'] }],
    });
    expect(role.status).toBe(201);
    const patched = await t.api('PATCH', '/api/v2/roles/ops', { description: 'On call' }, merge);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: 'On call', name: 'Ops', policy: role.body.policy });
    // By its _id as well as its key.
    const byId = await t.api('PATCH', `/api/v2/roles/${role.body._id}`, { merge: { name: 'Operations' } });
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ key: 'ops', name: 'Operations' });
  });

  it('refuses what JSON Patch refuses, the same way, and changes nothing', async () => {
    const before = await snapshot(t);
    const cases: [string, unknown, number, string][] = [
      ['/api/v2/projects/shop', { merge: { key: 'other' } }, 400, '/key'],
      ['/api/v2/projects/shop', { merge: { _version: 9 } }, 400, '/_version'],
      ['/api/v2/projects/shop', { merge: { environments: [] } }, 400, '/environments'],
      ['/api/v2/projects/shop', { merge: { name: null } }, 400, '/name'],
      ['/api/v2/projects/shop', { merge: { name: 7 } }, 400, '/name'],
      ['/api/v2/projects/shop', { merge: [1] }, 400, '/merge'],
      ['/api/v2/projects/shop', { merge: { name: 'x' }, extra: 1 }, 400, '/extra'],
      ['/api/v2/projects/shop/environments/test', { merge: { apiKey: 'sdk-mine' } }, 400, '/apiKey'],
      ['/api/v2/projects/shop/environments/test', { merge: { color: 'red' } }, 400, '/color'],
    ];
    for (const [path, body, status, pointer] of cases) {
      const res = await t.api('PATCH', path, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.message, JSON.stringify(body)).toContain(pointer);
    }
    const json = await t.api('PATCH', '/api/v2/projects/shop', [
      { op: 'replace', path: '/key', value: 'other' },
    ]);
    const merged = await t.api('PATCH', '/api/v2/projects/shop', { merge: { key: 'other' } });
    expect(merged.body).toEqual(json.body);
    expect(await snapshot(t)).toBe(before);
  });

  it('is listed as a request content type of the PATCH operations that take it', async () => {
    const doc = (await t.api('GET', '/api/v2/openapi.json')).body;
    for (const path of [
      '/api/v2/projects/{projectKey}',
      '/api/v2/projects/{projectKey}/environments/{envKey}',
      '/api/v2/flags/{projectKey}/{flagKey}',
      '/api/v2/roles/{roleKey}',
    ]) {
      const operation = doc.paths[path]?.patch;
      expect(operation, path).toBeDefined();
      expect(Object.keys(operation.requestBody.content), path).toEqual(
        expect.arrayContaining([
          'application/json',
          'application/json-patch+json',
          'application/merge-patch+json',
        ]),
      );
    }
  });

  it('is refused by name where a resource takes only JSON Patch', async () => {
    const tokens = await t.api('GET', '/api/v2/tokens');
    const id = tokens.body.items[0]._id;
    const res = await t.api('PATCH', `/api/v2/tokens/${id}`, { name: 'x' }, merge);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('merge patch is not supported');
  });
});
