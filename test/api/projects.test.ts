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

describe('projects', () => {
  it('creates a project with production and test when no environments are given', async () => {
    const res = await t.api('POST', '/api/v2/projects', {
      key: 'default',
      name: 'Default project',
      tags: ['web'],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ key: 'default', name: 'Default project', tags: ['web'], _version: 1 });
    expect(res.body._id).toMatch(/^[0-9a-f]{24}$/);
    expect(res.body.environments.map((e: { key: string }) => e.key)).toEqual(['production', 'test']);
    expect(res.body.environments[0].apiKey).toMatch(/^sdk-/);

    const entry = await latestAudit();
    expect(entry.kind).toBe('project');
    expect(entry.accesses).toEqual([
      { action: 'createProject', resource: 'proj/default' },
      { action: 'createEnvironment', resource: 'proj/default:env/production' },
      { action: 'createEnvironment', resource: 'proj/default:env/test' },
    ]);
    expect(entry.title).toBe(
      '[ariel@acme.com](mailto:ariel@acme.com) created the project [Default project](https://flags.example.com/settings/projects/default)',
    );
    expect(entry.token).toMatchObject({ name: 'Admin token', ending: 'cdef' });
  });

  it('creates the environments it is given', async () => {
    const res = await t.api('POST', '/api/v2/projects', {
      key: 'mobile',
      name: 'Mobile',
      environments: [{ key: 'staging', name: 'Staging', color: 'AABBCC' }],
    });
    expect(res.status).toBe(201);
    expect(res.body.environments).toHaveLength(1);
    expect(res.body.environments[0]).toMatchObject({ key: 'staging', color: 'AABBCC', defaultTtl: 0 });
  });

  it('lists, reads, patches and deletes', async () => {
    await t.api('POST', '/api/v2/projects', { key: 'p1', name: 'One' });
    const list = await t.api('GET', '/api/v2/projects');
    expect(list.body.totalCount).toBe(1);
    expect((await t.api('GET', '/api/v2/projects/p1')).body.name).toBe('One');

    const patched = await t.api('PATCH', '/api/v2/projects/p1', {
      patch: [
        { op: 'replace', path: '/name', value: 'Uno' },
        { op: 'add', path: '/tags/-', value: 'mobile' },
      ],
      comment: 'rename',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Uno', tags: ['mobile'], _version: 2 });
    const entry = await latestAudit();
    expect(entry.accesses).toEqual([
      { action: 'updateProjectName', resource: 'proj/p1' },
      { action: 'updateTags', resource: 'proj/p1' },
    ]);
    expect(entry.description).toBe('- Changed the name from *One* to *Uno*\n- Added *mobile* to the tags');
    expect(entry.comment).toBe('rename');
    expect(entry.previousVersion.name).toBe('One');
    expect(entry.currentVersion.name).toBe('Uno');
    expect(entry.delta).toHaveLength(2);

    expect((await t.api('DELETE', '/api/v2/projects/p1')).status).toBe(204);
    expect((await t.api('GET', '/api/v2/projects/p1')).status).toBe(404);
    expect((await latestAudit()).accesses).toEqual([{ action: 'deleteProject', resource: 'proj/p1' }]);
  });

  it('rejects bad input and leaves the database unchanged', async () => {
    await t.api('POST', '/api/v2/projects', { key: 'p1', name: 'One' });
    const before = await snapshot(t);

    const dup = await t.api('POST', '/api/v2/projects', { key: 'p1', name: 'Again' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('conflict');

    const unknown = await t.api('POST', '/api/v2/projects', { key: 'p2', name: 'Two', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'invalid_request', message: '/colour: unknown field' });

    const badKey = await t.api('POST', '/api/v2/projects', { key: 'no spaces', name: 'x' });
    expect(badKey.status).toBe(400);
    expect(badKey.body.message).toContain('/key');

    const malformed = await t.api('POST', '/api/v2/projects', '{"key": "p3",', {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('invalid_request');

    const badPath = await t.api('PATCH', '/api/v2/projects/p1', [
      { op: 'replace', path: '/nope/deeper', value: 1 },
    ]);
    expect(badPath.status).toBe(400);
    expect(badPath.body.message).toContain('/patch/0/path');

    const readOnly = await t.api('PATCH', '/api/v2/projects/p1', [
      { op: 'replace', path: '/key', value: 'p9' },
    ]);
    expect(readOnly.status).toBe(400);
    expect(readOnly.body.message).toBe('/key: is read-only');

    const invalid = await t.api('PATCH', '/api/v2/projects/p1', [
      { op: 'replace', path: '/name', value: 42 },
    ]);
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toContain('/name');

    const stale = await t.api('PATCH', '/api/v2/projects/p1', [
      { op: 'test', path: '/_version', value: 7 },
      { op: 'replace', path: '/name', value: 'Late' },
    ]);
    expect(stale.status).toBe(409);

    expect((await t.api('GET', '/api/v2/projects/nope')).status).toBe(404);
    expect(
      (await t.api('POST', '/api/v2/projects', { key: 'big', name: 'x'.repeat(2_000_000) })).status,
    ).toBe(413);
    expect((await t.api('GET', '/api/v2/projects', undefined, { authorization: '' })).status).toBe(401);
    expect(
      (await t.api('POST', '/api/v2/projects', { key: 'p4', name: 'x' }, { authorization: 'api-wrong' }))
        .status,
    ).toBe(401);

    expect(await snapshot(t)).toBe(before);
  });
});

describe('environments', () => {
  beforeEach(async () => {
    await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default', tags: ['web'] });
  });

  it('creates, reads, patches and deletes an environment with audit entries', async () => {
    const created = await t.api('POST', '/api/v2/projects/default/environments', {
      key: 'staging',
      name: 'Staging',
      color: '00FF00',
      tags: ['qa_1'],
    });
    expect(created.status).toBe(201);
    let entry = await latestAudit();
    expect(entry.accesses).toEqual([{ action: 'createEnvironment', resource: 'proj/default:env/staging' }]);
    expect(entry.parent).toEqual({ name: 'Default', resource: 'proj/default' });

    const list = await t.api('GET', '/api/v2/projects/default/environments');
    expect(list.body.items.map((e: { key: string }) => e.key)).toEqual(['production', 'test', 'staging']);

    const patched = await t.api('PATCH', '/api/v2/projects/default/environments/staging', [
      { op: 'replace', path: '/name', value: 'QA' },
      { op: 'replace', path: '/requireComments', value: true },
    ]);
    expect(patched.status).toBe(200);
    entry = await latestAudit();
    expect(entry.accesses.map((a: { action: string }) => a.action)).toEqual([
      'updateName',
      'updateRequireComments',
    ]);
    expect(entry.title).toContain('updated the environment [QA]');

    const rename404 = await t.api('PATCH', '/api/v2/projects/default/environments/nope', [
      { op: 'replace', path: '/name', value: 'x' },
    ]);
    expect(rename404.status).toBe(404);
    const sdkKey = await t.api('PATCH', '/api/v2/projects/default/environments/staging', [
      { op: 'replace', path: '/apiKey', value: 'sdk-mine' },
    ]);
    expect(sdkKey.status).toBe(400);

    expect((await t.api('DELETE', '/api/v2/projects/default/environments/staging')).status).toBe(204);
    expect((await t.api('GET', '/api/v2/projects/default/environments/staging')).status).toBe(404);
    entry = await latestAudit();
    expect(entry.accesses).toEqual([{ action: 'deleteEnvironment', resource: 'proj/default:env/staging' }]);
  });

  it('404s for an unknown project and 409s for a duplicate key', async () => {
    expect((await t.api('GET', '/api/v2/projects/nope/environments')).status).toBe(404);
    const dup = await t.api('POST', '/api/v2/projects/default/environments', {
      key: 'test',
      name: 'T',
      color: '000000',
    });
    expect(dup.status).toBe(409);
  });
});
