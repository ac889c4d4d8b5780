import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

// Issue 16, item 8: LaunchDarkly's semantic patch on flags and segments, in-process on a real
// database: the instructions a migrating team's scripts send, their audit entries, and
// all-or-nothing patches refused by the instruction's pointer.

let t: TestSwitchboard;
const semantic = { 'content-type': 'application/json; domain-model=launchdarkly.semanticpatch' };
const flagUrl = '/api/v2/flags/default/checkout';
const segmentUrl = '/api/v2/segments/default/production/beta';

beforeEach(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default project' });
  const flag = await t.api('POST', '/api/v2/flags/default', {
    key: 'checkout',
    name: 'Checkout',
    variations: [{ value: 'red' }, { value: 'green' }, { value: 'blue' }],
  });
  expect(flag.status).toBe(201);
  const segment = await t.api('POST', '/api/v2/segments/default/production', { key: 'beta', name: 'Beta' });
  expect(segment.status).toBe(201);
});
afterEach(async () => {
  await t.close();
});

async function latestAudit() {
  const list = await t.api('GET', '/api/v2/auditlog?limit=1');
  return (await t.api('GET', `/api/v2/auditlog/${list.body.items[0]._id}`)).body;
}

const actions = (entry: { accesses: { action: string; resource: string }[] }) =>
  [...new Set(entry.accesses.map((a) => a.action))].sort();

async function flagPatch(instructions: unknown[], environmentKey?: string) {
  return t.api('PATCH', flagUrl, { environmentKey, comment: 'by script', instructions }, semantic);
}

describe('flag semantic patch through the API', () => {
  it('edits rules and clauses, audited as updateRules in the one environment, and the SDK version moves', async () => {
    const [red, green] = (await t.api('GET', flagUrl)).body.variations.map((v: { _id: string }) => v._id);
    let res = await flagPatch(
      [{ kind: 'addRule', variationId: red, clauses: [{ attribute: 'country', op: 'in', values: ['NO'] }] }],
      'production',
    );
    const rule = res.body.environments.production.rules[0];
    const clauseId = rule.clauses[0]._id;
    res = await flagPatch(
      [
        { kind: 'addValuesToClause', ruleId: rule._id, clauseId, values: ['SE', 'DK'] },
        { kind: 'removeValuesFromClause', ruleId: rule._id, clauseId, values: ['NO'] },
        { kind: 'addClauses', ruleId: rule._id, clauses: [{ attribute: 'plan', op: 'in', values: ['pro'] }] },
        { kind: 'updateRuleVariationOrRollout', ruleId: rule._id, variationId: green },
        { kind: 'updateRuleDescription', ruleId: rule._id, description: 'Nordics' },
      ],
      'production',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.environments.production.rules[0]).toMatchObject({
      _id: rule._id,
      description: 'Nordics',
      variation: 1,
      clauses: [{ _id: clauseId, values: ['SE', 'DK'] }, { attribute: 'plan' }],
    });
    expect(res.body.environments.production.version).toBe(3);
    expect(res.body.environments.test.version).toBe(1);
    const entry = await latestAudit();
    expect(actions(entry)).toEqual(['updateRules']);
    expect(entry.accesses[0].resource).toBe('proj/default:env/production:flag/checkout');
    expect(entry.comment).toBe('by script');
  });

  it('replaces targets and rules, clears targets: updateTargets and updateRules', async () => {
    const [red, green, blue] = (await t.api('GET', flagUrl)).body.variations.map(
      (v: { _id: string }) => v._id,
    );
    let res = await flagPatch(
      [
        {
          kind: 'replaceTargets',
          targets: [
            { variationId: red, values: ['u1'] },
            { contextKind: 'org', variationId: blue, values: ['o1'] },
          ],
        },
        {
          kind: 'replaceRules',
          rules: [
            { variationId: green, clauses: [{ attribute: 'email', op: 'endsWith', values: ['@a.com'] }] },
          ],
        },
      ],
      'production',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.environments.production.targets).toEqual([
      { values: ['u1'], variation: 0 },
      { values: ['o1'], variation: 2, contextKind: 'org' },
    ]);
    expect(res.body.environments.production.rules).toHaveLength(1);
    expect(actions(await latestAudit())).toEqual(['updateRules', 'updateTargets']);
    res = await flagPatch([{ kind: 'clearTargets', variationId: red }], 'production');
    expect(res.body.environments.production.targets).toEqual([
      { values: ['o1'], variation: 2, contextKind: 'org' },
    ]);
  });

  it('adds, updates and removes variations without environmentKey: updateFlagVariations', async () => {
    let res = await flagPatch([{ kind: 'addVariation', value: 'pink', name: 'Pink' }]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const pink = res.body.variations[3]._id;
    expect(res.body.variations[3]).toMatchObject({ value: 'pink', name: 'Pink' });
    const entry = await latestAudit();
    expect(actions(entry)).toEqual(['updateFlagVariations']);
    expect(entry.description).toBe('- Added the variation *pink* (*Pink*)');
    res = await flagPatch([
      { kind: 'updateVariation', variationId: pink, value: 'rose', description: 'soft' },
    ]);
    expect(res.body.variations[3]).toMatchObject({ value: 'rose', description: 'soft' });
    res = await flagPatch([{ kind: 'removeVariation', variationId: pink }]);
    expect(res.body.variations.map((v: { value: string }) => v.value)).toEqual(['red', 'green', 'blue']);
  });

  it('refuses to remove a variation in use, here or as another flag’s prerequisite', async () => {
    const flag = (await t.api('GET', flagUrl)).body;
    const [red, green] = flag.variations.map((v: { _id: string }) => v._id);
    await t.api('POST', '/api/v2/flags/default', { key: 'login', name: 'Login' });
    const dependent = await t.api(
      'PATCH',
      '/api/v2/flags/default/login',
      {
        environmentKey: 'test',
        instructions: [{ kind: 'addPrerequisite', key: 'checkout', variationId: green }],
      },
      semantic,
    );
    expect(dependent.status, JSON.stringify(dependent.body)).toBe(200);
    const before = await snapshot(t);
    for (const id of [red, green]) {
      const res = await flagPatch([{ kind: 'removeVariation', variationId: id }]);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].pointer).toBe('/instructions/0/variationId');
    }
    const res = await flagPatch([{ kind: 'removeVariation', variationId: green }]);
    expect(res.body.message).toContain('prerequisite of flag "login"');
    expect(await snapshot(t)).toBe(before);
  });

  it('sets and removes the maintainer: updateMaintainer; a non-member is refused', async () => {
    const me = (await t.api('GET', '/api/v2/members/me')).body._id;
    let res = await flagPatch([{ kind: 'updateMaintainerMember', value: me }]);
    expect(res.body.maintainerId).toBe(me);
    expect(actions(await latestAudit())).toEqual(['updateMaintainer']);
    res = await flagPatch([{ kind: 'updateMaintainerMember', value: 'aaaaaaaaaaaaaaaaaaaaaaaa' }]);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].pointer).toBe('/instructions/0/value');
    res = await flagPatch([{ kind: 'removeMaintainer' }]);
    expect(res.body.maintainerId).toBeUndefined();
  });

  it('is all or nothing: a bad last instruction leaves everything as it was, with its pointer', async () => {
    const [red] = (await t.api('GET', flagUrl)).body.variations.map((v: { _id: string }) => v._id);
    const before = await snapshot(t);
    const res = await flagPatch(
      [
        { kind: 'turnFlagOn' },
        { kind: 'addTargets', variationId: red, values: ['u1'] },
        { kind: 'updateName', value: 'Renamed' },
        { kind: 'updateClause', ruleId: 'nope', clauseId: 'x', clause: {} },
      ],
      'production',
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].pointer).toBe('/instructions/3/ruleId');
    expect(await snapshot(t)).toBe(before);
  });

  it('lists the instructions in the OpenAPI document', async () => {
    const doc = (await t.api('GET', '/api/v2/openapi.json')).body;
    expect(doc.paths['/api/v2/flags/{projectKey}/{flagKey}'].patch.description).toContain(
      'removeValuesFromClause',
    );
    expect(doc.paths['/api/v2/segments/{projectKey}/{envKey}/{segmentKey}'].patch.description).toContain(
      'addIncludedTargets',
    );
  });
});

async function segmentPatch(instructions: unknown[], environmentKey = 'production') {
  return t.api('PATCH', segmentUrl, { environmentKey, comment: 'sync', instructions }, semantic);
}

describe('segment semantic patch through the API', () => {
  it('includes and excludes targets by kind: updateIncluded / updateExcluded, version moves', async () => {
    const res = await segmentPatch([
      { kind: 'addIncludedTargets', contextKind: 'org', values: ['o1'] },
      { kind: 'addIncludedUsers', values: ['u1'] },
      { kind: 'addExcludedTargets', contextKind: 'user', values: ['u2'] },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      included: ['u1'],
      excluded: ['u2'],
      includedContexts: [{ contextKind: 'org', values: ['o1'] }],
      _version: 2,
    });
    const entry = await latestAudit();
    expect(actions(entry)).toEqual(['updateExcluded', 'updateIncluded']);
    expect(entry.accesses[0].resource).toBe('proj/default:env/production:segment/beta');
    expect(entry.comment).toBe('sync');
    const removed = await segmentPatch([
      { kind: 'removeIncludedTargets', contextKind: 'org', values: ['o1'] },
      { kind: 'removeExcludedUsers', values: ['u2'] },
    ]);
    expect(removed.body).toMatchObject({ excluded: [], includedContexts: [] });
  });

  it('adds and removes rules, renames, tags: updateRules, updateName, updateTags', async () => {
    let res = await segmentPatch([
      {
        kind: 'addRule',
        description: 'Staff',
        clauses: [{ attribute: 'email', op: 'endsWith', values: ['@acme.com'], negate: false }],
      },
      { kind: 'updateName', value: 'Beta testers' },
      { kind: 'updateDescription', value: 'Early access' },
      { kind: 'addTags', values: ['qa'] },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.rules[0]).toMatchObject({ description: 'Staff', clauses: [{ attribute: 'email' }] });
    expect(res.body).toMatchObject({ name: 'Beta testers', description: 'Early access', tags: ['qa'] });
    expect(actions(await latestAudit())).toEqual([
      'updateDescription',
      'updateName',
      'updateRules',
      'updateTags',
    ]);
    res = await segmentPatch([
      { kind: 'removeRule', ruleId: res.body.rules[0]._id },
      { kind: 'removeTags', values: ['qa'] },
    ]);
    expect(res.body).toMatchObject({ rules: [], tags: [] });
  });

  it('refuses bad instructions whole, by pointer, and an environmentKey other than the path’s', async () => {
    await segmentPatch([{ kind: 'addIncludedUsers', values: ['u1'] }]);
    const before = await snapshot(t);
    const cases: [unknown[], string, string?][] = [
      [
        [
          { kind: 'updateName', value: 'X' },
          { kind: 'addExcludedUsers', values: ['u1'] },
        ],
        '/instructions/1/values/0',
      ],
      [[{ kind: 'addIncludedTargets', values: ['o1'] }], '/instructions/0/contextKind'],
      [[{ kind: 'turnFlagOn' }], '/instructions/0/kind'],
      [[{ kind: 'updateName', value: 'X' }], '/environmentKey', 'test'],
      [[], '/instructions'],
    ];
    for (const [instructions, pointer, env] of cases) {
      const res = await segmentPatch(instructions, env);
      expect(res.status, JSON.stringify(instructions)).toBe(400);
      expect(res.body.errors[0].pointer, JSON.stringify(instructions)).toBe(pointer);
    }
    expect(await snapshot(t)).toBe(before);
  });

  it('JSON patch on segments still works', async () => {
    const res = await t.api('PATCH', segmentUrl, [{ op: 'replace', path: '/name', value: 'Beta 2' }]);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Beta 2');
  });
});
