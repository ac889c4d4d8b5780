import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default', tags: ['web'] });
});
afterEach(async () => {
  await t.close();
});

async function latestAudit() {
  const list = await t.api('GET', '/api/v2/auditlog?limit=1');
  return (await t.api('GET', `/api/v2/auditlog/${list.body.items[0]._id}`)).body;
}

const base = '/api/v2/segments/default/production';
const resource = 'proj/default:env/production:segment/beta';
const emailRule = {
  clauses: [{ attribute: 'email', op: 'endsWith', values: ['@acme.com'], negate: false }],
};

async function createBeta(extra: Record<string, unknown> = {}) {
  const res = await t.api('POST', base, { key: 'beta', name: 'Beta users', ...extra });
  expect(res.status).toBe(201);
  return res.body;
}

describe('segments', () => {
  it('creates a segment with its audit entry, reads it and lists it in its environment only', async () => {
    const created = await t.api('POST', base, {
      key: 'beta',
      name: 'Beta users',
      description: 'Early access',
      tags: ['qa'],
      included: ['u1'],
      rules: [emailRule],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      key: 'beta',
      name: 'Beta users',
      description: 'Early access',
      tags: ['qa'],
      included: ['u1'],
      excluded: [],
      unbounded: false,
      _version: 1,
      _links: { self: { href: `${base}/beta` } },
    });
    expect(created.body.rules[0]._id).toMatch(/^[0-9a-f]{24}$/);
    // Clauses get a server id too, as in LaunchDarkly.
    expect(created.body.rules[0].clauses).toEqual([
      { _id: expect.stringMatching(/^[0-9a-f]{24}$/), ...emailRule.clauses[0] },
    ]);
    expect(typeof created.body.creationDate).toBe('number');

    const entry = await latestAudit();
    expect(entry.kind).toBe('segment');
    expect(entry.name).toBe('Beta users');
    expect(entry.accesses).toEqual([{ action: 'createSegment', resource }]);
    expect(entry.title).toBe(
      '[ariel@acme.com](mailto:ariel@acme.com) created the segment ' +
        '[Beta users](https://flags.example.com/default/production/segments/beta) in `Production`',
    );
    expect(entry.description).toBe('- Created the segment in the project *Default*');
    expect(entry.parent).toEqual({ name: 'Production', resource: 'proj/default:env/production' });
    expect(entry.target).toEqual({ name: 'Beta users', resources: [resource] });
    expect(entry._links.site.href).toBe('/default/production/segments/beta');
    expect(entry.currentVersion.key).toBe('beta');

    expect((await t.api('GET', `${base}/beta`)).body).toEqual(created.body);
    const list = await t.api('GET', base);
    expect(list.status).toBe(200);
    expect(list.body.totalCount).toBe(1);
    expect(list.body.items[0].key).toBe('beta');
    expect((await t.api('GET', '/api/v2/segments/default/test')).body.items).toEqual([]);
  });

  it('updates name, description and tags with a bare JSON Patch array', async () => {
    await createBeta({ tags: ['qa'] });
    const patched = await t.api('PATCH', `${base}/beta`, [
      { op: 'replace', path: '/name', value: 'Beta testers' },
      { op: 'replace', path: '/description', value: 'Opted in' },
      { op: 'replace', path: '/tags', value: ['mobile'] },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Beta testers', description: 'Opted in', _version: 2 });

    const entry = await latestAudit();
    expect(entry.accesses).toEqual([
      { action: 'updateName', resource },
      { action: 'updateDescription', resource },
      { action: 'updateTags', resource },
    ]);
    expect(entry.title).toBe(
      '[ariel@acme.com](mailto:ariel@acme.com) updated the segment ' +
        '[Beta testers](https://flags.example.com/default/production/segments/beta) in `Production`',
    );
    expect(entry.description).toBe(
      [
        '- Changed the name from *Beta users* to *Beta testers*',
        '- Changed the description from *(none)* to *Opted in*',
        '- Added *mobile* to the tags',
        '- Removed *qa* from the tags',
      ].join('\n'),
    );
    expect(entry.previousVersion.name).toBe('Beta users');
    expect(entry.currentVersion.name).toBe('Beta testers');
    expect(entry.delta).toHaveLength(3);
  });

  it('updates included, excluded and rules with {patch, comment}', async () => {
    const created = await createBeta({ included: ['u1'], rules: [emailRule] });
    const ruleId = created.rules[0]._id;
    const patched = await t.api('PATCH', `${base}/beta`, {
      patch: [
        { op: 'add', path: '/included/-', value: 'u2' },
        { op: 'add', path: '/excluded/-', value: 'u3' },
        { op: 'add', path: '/rules/0/weight', value: 50_000 },
        {
          op: 'add',
          path: '/rules/-',
          value: { clauses: [{ attribute: 'plan', op: 'in', values: ['pro'], negate: true }] },
        },
      ],
      comment: 'widen the beta',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.included).toEqual(['u1', 'u2']);
    expect(patched.body.excluded).toEqual(['u3']);
    expect(patched.body.rules[0]).toMatchObject({ _id: ruleId, weight: 50_000 });
    expect(patched.body.rules[1]._id).toMatch(/^[0-9a-f]{24}$/);

    let entry = await latestAudit();
    expect(entry.comment).toBe('widen the beta');
    expect(entry.accesses).toEqual([
      { action: 'updateIncluded', resource },
      { action: 'updateExcluded', resource },
      { action: 'updateRules', resource },
    ]);
    expect(entry.description).toBe(
      [
        '- Added *u2* to the included targets',
        '- Added *u3* to the excluded targets',
        '- Changed the rule *email* endsWith *@acme.com* to *email* endsWith *@acme.com* (50%)',
        '- Added the rule *plan* not in *pro*',
      ].join('\n'),
    );

    await t.api('PATCH', `${base}/beta`, [{ op: 'remove', path: '/rules/0' }]);
    entry = await latestAudit();
    expect(entry.accesses).toEqual([{ action: 'updateRules', resource }]);
    expect(entry.description).toBe('- Removed the rule *email* endsWith *@acme.com* (50%)');
  });

  it('records the tags the segment had before the change', async () => {
    await createBeta({ tags: ['qa'] });
    await t.api('PATCH', `${base}/beta`, [{ op: 'replace', path: '/tags', value: [] }]);
    const row = await t.switchboard.database.db
      .selectFrom('audit_entries')
      .select('accesses')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.accesses)).toEqual([
      {
        action: 'updateTags',
        resource: [
          { type: 'proj', key: 'default', tags: ['web'] },
          { type: 'env', key: 'production', tags: [] },
          { type: 'segment', key: 'beta', tags: ['qa'] },
        ],
      },
    ]);
  });

  it('deletes a segment', async () => {
    await createBeta();
    expect((await t.api('DELETE', `${base}/beta`)).status).toBe(204);
    expect((await t.api('GET', `${base}/beta`)).status).toBe(404);
    const entry = await latestAudit();
    expect(entry.accesses).toEqual([{ action: 'deleteSegment', resource }]);
    expect(entry.title).toBe(
      '[ariel@acme.com](mailto:ariel@acme.com) deleted the segment Beta users in `Production`',
    );
    expect(entry.description).toBe('- Deleted the segment');
    expect(entry.previousVersion.key).toBe('beta');
    expect(entry._links.site).toBeUndefined();
  });

  it('treats a patch that changes nothing as a no-op', async () => {
    await createBeta();
    const before = await snapshot(t);
    const res = await t.api('PATCH', `${base}/beta`, [{ op: 'replace', path: '/name', value: 'Beta users' }]);
    expect(res.status).toBe(200);
    expect(res.body._version).toBe(1);
    expect(await snapshot(t)).toBe(before);
  });

  it('rejects bad input and leaves the database unchanged', async () => {
    await createBeta({ rules: [emailRule] });
    const before = await snapshot(t);

    const dup = await t.api('POST', base, { key: 'beta', name: 'Again' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('conflict');

    const unknown = await t.api('POST', base, { key: 'b2', name: 'Two', users: ['u1'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'invalid_request', message: '/users: unknown field' });

    const badClause = await t.api('POST', base, {
      key: 'b3',
      name: 'Three',
      rules: [{ clauses: [{ attribute: 'email', op: 'like', values: [], negate: false }] }],
    });
    expect(badClause.status).toBe(400);
    expect(badClause.body.message).toContain('/rules/0/clauses/0/op');

    const unboundedSegment = await t.api('POST', base, { key: 'b4', name: 'Big', unbounded: true });
    expect(unboundedSegment.status).toBe(400);

    const badPath = await t.api('PATCH', `${base}/beta`, [{ op: 'replace', path: '/nope/deeper', value: 1 }]);
    expect(badPath.status).toBe(400);
    expect(badPath.body.message).toContain('/patch/0/path');

    const readOnly = await t.api('PATCH', `${base}/beta`, [{ op: 'replace', path: '/key', value: 'b9' }]);
    expect(readOnly.status).toBe(400);
    expect(readOnly.body.message).toBe('/key: is read-only');

    const unboundedPatch = await t.api('PATCH', `${base}/beta`, [
      { op: 'replace', path: '/unbounded', value: true },
    ]);
    expect(unboundedPatch.status).toBe(400);
    expect(unboundedPatch.body.message).toBe('/unbounded: is read-only');

    const badWeight = await t.api('PATCH', `${base}/beta`, [
      { op: 'add', path: '/rules/0/weight', value: 100_001 },
    ]);
    expect(badWeight.status).toBe(400);
    expect(badWeight.body.errors[0].pointer).toBe('/rules/0/weight');

    const duplicateIncluded = await t.api('PATCH', `${base}/beta`, [
      { op: 'replace', path: '/included', value: ['u1', 'u1'] },
    ]);
    expect(duplicateIncluded.status).toBe(400);
    expect(duplicateIncluded.body.message).toContain('/included');

    const ruleId = (await t.api('GET', `${base}/beta`)).body.rules[0]._id;
    const duplicateRule = await t.api('PATCH', `${base}/beta`, [
      { op: 'add', path: '/rules/-', value: { _id: ruleId, clauses: [] } },
    ]);
    expect(duplicateRule.status).toBe(400);
    expect(duplicateRule.body.errors[0]).toEqual({ pointer: '/rules/1/_id', message: 'duplicate rule id' });

    const notARule = await t.api('PATCH', `${base}/beta`, [{ op: 'add', path: '/rules/-', value: null }]);
    expect(notARule.status).toBe(400);
    expect(notARule.body.message).toContain('/rules/1');

    const stale = await t.api('PATCH', `${base}/beta`, [
      { op: 'test', path: '/_version', value: 7 },
      { op: 'replace', path: '/name', value: 'Late' },
    ]);
    expect(stale.status).toBe(409);

    for (const url of ['/api/v2/segments/nope/production', '/api/v2/segments/default/nope']) {
      expect((await t.api('GET', url)).status).toBe(404);
      expect((await t.api('POST', url, { key: 'x', name: 'X' })).status).toBe(404);
      expect((await t.api('GET', `${url}/beta`)).status).toBe(404);
      expect(
        (await t.api('PATCH', `${url}/beta`, [{ op: 'replace', path: '/name', value: 'x' }])).status,
      ).toBe(404);
      expect((await t.api('DELETE', `${url}/beta`)).status).toBe(404);
    }
    expect((await t.api('GET', `${base}/nope`)).status).toBe(404);
    expect((await t.api('DELETE', `${base}/nope`)).status).toBe(404);
    expect((await t.api('GET', base, undefined, { authorization: '' })).status).toBe(401);

    expect(await snapshot(t)).toBe(before);
  });

  it('targets contexts of other kinds and buckets rules by a context kind', async () => {
    const created = await createBeta({
      includedContexts: [{ contextKind: 'org', values: ['o1', 'o2'] }],
      rules: [{ ...emailRule, weight: 25_000, bucketBy: 'name', rolloutContextKind: 'org' }],
    });
    expect(created.includedContexts).toEqual([{ contextKind: 'org', values: ['o1', 'o2'] }]);
    expect(created.excludedContexts).toEqual([]);
    expect(created.rules[0]).toMatchObject({ weight: 25_000, bucketBy: 'name', rolloutContextKind: 'org' });

    const patched = await t.api('PATCH', `${base}/beta`, [
      { op: 'replace', path: '/includedContexts/0/values', value: ['o2', 'o3'] },
      { op: 'add', path: '/excludedContexts/-', value: { contextKind: 'device', values: ['d1'] } },
      { op: 'replace', path: '/rules/0/rolloutContextKind', value: 'device' },
      {
        op: 'add',
        path: '/rules/-',
        value: { clauses: [{ attribute: 'plan', op: 'in', values: ['pro'], negate: false }] },
      },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body.excludedContexts).toEqual([{ contextKind: 'device', values: ['d1'] }]);
    expect(patched.body.rules[1]._id).toMatch(/^[0-9a-f]{24}$/);
    expect(patched.body.rules[1].clauses[0]._id).toMatch(/^[0-9a-f]{24}$/);

    const entry = await latestAudit();
    expect(entry.accesses.map((a: { action: string }) => a.action)).toEqual([
      'updateIncluded',
      'updateExcluded',
      'updateRules',
    ]);
    expect(entry.description).toBe(
      [
        '- Added *o3* to the included *org* targets',
        '- Removed *o1* from the included *org* targets',
        '- Added *d1* to the excluded *device* targets',
        '- Changed the rule *email* endsWith *@acme.com* (25%) bucketed by *name* of *org* contexts to ' +
          '*email* endsWith *@acme.com* (25%) bucketed by *name* of *device* contexts',
        '- Added the rule *plan* in *pro*',
      ].join('\n'),
    );

    const before = await snapshot(t);
    const badKind = await t.api('PATCH', `${base}/beta`, [
      { op: 'add', path: '/includedContexts/-', value: { contextKind: 'multi', values: ['x'] } },
    ]);
    expect(badKind.status).toBe(400);
    expect(badKind.body.errors[0].pointer).toBe('/includedContexts/1/contextKind');
    const badRuleKind = await t.api('POST', base, {
      key: 'b2',
      name: 'Two',
      rules: [{ clauses: [], rolloutContextKind: 'has space' }],
    });
    expect(badRuleKind.status).toBe(400);
    expect(badRuleKind.body.message).toContain('/rules/0/rolloutContextKind');
    expect(await snapshot(t)).toBe(before);
  });

  it('goes away with its environment', async () => {
    await createBeta();
    expect((await t.api('DELETE', '/api/v2/projects/default/environments/production')).status).toBe(204);
    await t.api('POST', '/api/v2/projects/default/environments', {
      key: 'production',
      name: 'Production',
      color: '417505',
    });
    expect((await t.api('GET', base)).body.items).toEqual([]);
  });
});
