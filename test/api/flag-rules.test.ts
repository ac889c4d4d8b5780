import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

// What the REST API must be able to set so the SDK data model holds it (issue 14): rules and
// clauses added without ids, experiment rollouts, context kinds; and versions an SDK can trust.

let t: TestSwitchboard;
const flagUrl = '/api/v2/flags/default/checkout';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeEach(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default project' });
  const res = await t.api('POST', '/api/v2/flags/default', {
    key: 'checkout',
    name: 'Checkout',
    variations: [{ value: 'red' }, { value: 'green' }, { value: 'blue' }],
  });
  expect(res.status).toBe(201);
});
afterEach(async () => {
  await t.close();
});

async function latestAudit() {
  const list = await t.api('GET', '/api/v2/auditlog?limit=1');
  return (await t.api('GET', `/api/v2/auditlog/${list.body.items[0]._id}`)).body;
}

async function patch(ops: unknown[]) {
  return t.api('PATCH', flagUrl, ops);
}

describe('flag rules through JSON patch', () => {
  it('gives a new rule and its clauses an _id and trackEvents false, keeping ids that were sent', async () => {
    const res = await patch([
      {
        op: 'add',
        path: '/environments/production/rules/-',
        value: {
          clauses: [
            { attribute: 'email', op: 'endsWith', values: ['@acme.com'], negate: false },
            { _id: 'mine', contextKind: 'org', attribute: 'plan', op: 'in', values: ['pro'], negate: true },
          ],
          variation: 2,
        },
      },
    ]);
    expect(res.status).toBe(200);
    const [rule] = res.body.environments.production.rules;
    expect(rule).toMatchObject({ trackEvents: false, variation: 2 });
    expect(rule._id).toMatch(uuid);
    expect(rule.clauses[0]._id).toMatch(uuid);
    expect(rule.clauses[1]._id).toBe('mine');
    expect((await latestAudit()).description).toBe(
      '- Added rule 1: if email endsWith *@acme.com* and org plan not in *pro* serve *blue*',
    );

    // The generated ids are stored: the next read returns the same ones.
    const again = await t.api('GET', flagUrl);
    expect(again.body.environments.production.rules[0]._id).toBe(rule._id);
  });

  it('sets experiment rollouts with a seed, untracked variations and a context kind', async () => {
    const rollout = {
      kind: 'experiment',
      seed: 61,
      contextKind: 'org',
      bucketBy: 'key',
      variations: [
        { variation: 0, weight: 50_000 },
        { variation: 1, weight: 30_000 },
        { variation: 2, weight: 20_000, untracked: true },
      ],
    };
    const res = await patch([
      { op: 'replace', path: '/environments/production/fallthrough', value: { rollout } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.environments.production.fallthrough).toEqual({ rollout });
    expect((await latestAudit()).description).toBe(
      '- Changed the default rule from *red* to an experiment (50% *red*, 30% *green*, 20% *blue* untracked; ' +
        'org contexts, bucketed by *key*, seed 61)',
    );

    const reseeded = await patch([
      { op: 'replace', path: '/environments/production/fallthrough/rollout/seed', value: 62 },
    ]);
    expect(reseeded.status).toBe(200);
    expect((await latestAudit()).description).toContain('seed 61) to an experiment');
  });

  it('describes targets of other context kinds by kind', async () => {
    const res = await patch([
      {
        op: 'add',
        path: '/environments/production/targets/-',
        value: { contextKind: 'org', values: ['o1'], variation: 1 },
      },
    ]);
    expect(res.status).toBe(200);
    expect((await latestAudit()).description).toBe(
      '- Added *o1* to the individual org targets serving *green*',
    );
  });

  it('rejects bad context kinds, rollout fields and rule shapes with the pointer, changing nothing', async () => {
    const before = await snapshot(t);
    const env = '/environments/production';
    const rollout = (extra: Record<string, unknown>) => ({
      op: 'replace',
      path: `${env}/fallthrough`,
      value: { rollout: { variations: [{ variation: 0, weight: 100_000 }], ...extra } },
    });
    const cases: [unknown[], string][] = [
      [[rollout({ kind: 'canary' })], `${env}/fallthrough/rollout/kind`],
      [[rollout({ seed: 1.5 })], `${env}/fallthrough/rollout/seed`],
      [[rollout({ contextKind: 'multi' })], `${env}/fallthrough/rollout/contextKind`],
      [[rollout({ bucketBy: '' })], `${env}/fallthrough/rollout/bucketBy`],
      [
        [
          {
            op: 'replace',
            path: `${env}/fallthrough`,
            value: { rollout: { variations: [{ variation: 0, weight: 100_000, untracked: 'yes' }] } },
          },
        ],
        `${env}/fallthrough/rollout/variations/0/untracked`,
      ],
      [
        [
          {
            op: 'add',
            path: `${env}/targets/-`,
            value: { contextKind: 'kind', values: ['x'], variation: 0 },
          },
        ],
        `${env}/targets/0/contextKind`,
      ],
      [
        [
          {
            op: 'add',
            path: `${env}/rules/-`,
            value: {
              clauses: [{ contextKind: 'a b', attribute: 'x', op: 'in', values: [1], negate: false }],
              variation: 0,
            },
          },
        ],
        `${env}/rules/0/clauses/0/contextKind`,
      ],
      [[{ op: 'add', path: `${env}/rules/-`, value: { variation: 0 } }], `${env}/rules/0/clauses`],
      [[{ op: 'add', path: `${env}/rules/-`, value: 'a rule' }], `${env}/rules/0`],
      [
        [{ op: 'add', path: `${env}/rules/-`, value: { clauses: [], variation: 0, trackEvents: 'no' } }],
        `${env}/rules/0/trackEvents`,
      ],
    ];
    for (const [ops, pointer] of cases) {
      const res = await patch(ops);
      expect(res.status, JSON.stringify(ops)).toBe(400);
      expect(res.body.message, JSON.stringify(ops)).toContain(pointer);
    }
    expect(await snapshot(t)).toBe(before);
  });
});

describe('flag versions an SDK can trust', () => {
  async function versions() {
    const flag = (await t.api('GET', flagUrl)).body;
    return [flag.environments.production.version, flag.environments.test.version];
  }

  it('raise in every environment when SDK-visible flag-wide fields change, and only then', async () => {
    expect(await versions()).toEqual([1, 1]);
    await patch([{ op: 'replace', path: '/variations/2/value', value: 'purple' }]);
    expect(await versions()).toEqual([2, 2]);
    await patch([{ op: 'replace', path: '/clientSideAvailability/usingMobileKey', value: true }]);
    expect(await versions()).toEqual([3, 3]);
    await patch([{ op: 'replace', path: '/archived', value: true }]);
    expect(await versions()).toEqual([4, 4]);
    await patch([{ op: 'replace', path: '/archived', value: false }]);
    expect(await versions()).toEqual([5, 5]);

    // Names, descriptions and tags are not in the SDK model: no SDK update for them.
    await patch([
      { op: 'replace', path: '/name', value: 'Checkout v2' },
      { op: 'add', path: '/variations/0/name', value: 'Red' },
      { op: 'replace', path: '/tags', value: ['web'] },
    ]);
    expect(await versions()).toEqual([5, 5]);

    await patch([{ op: 'replace', path: '/environments/test/on', value: true }]);
    expect(await versions()).toEqual([5, 6]);
  });
});

describe('semantic patch: rules, clauses, prerequisites and targets by kind', () => {
  const semantic = { 'content-type': 'application/json; domain-model=launchdarkly.semanticpatch' };
  async function instructions(list: unknown[]) {
    return t.api('PATCH', flagUrl, { environmentKey: 'production', instructions: list }, semantic);
  }

  it('edits a rule in place: serving, clauses, description, order', async () => {
    const flag = (await t.api('GET', flagUrl)).body;
    const [red, green, blue] = flag.variations.map((v: { _id: string }) => v._id);
    let res = await instructions([
      { kind: 'addRule', clauses: [{ attribute: 'country', op: 'in', values: ['NO'] }], variationId: red },
      { kind: 'addRule', clauses: [{ attribute: 'country', op: 'in', values: ['SE'] }], variationId: green },
    ]);
    const [first, second] = res.body.environments.production.rules;
    res = await instructions([
      {
        kind: 'updateRuleVariationOrRollout',
        ruleId: first._id,
        rolloutWeights: { [red]: 50_000, [blue]: 50_000 },
        rolloutContextKind: 'org',
      },
      {
        kind: 'addClauses',
        ruleId: first._id,
        clauses: [{ attribute: 'age', op: 'greaterThan', values: [17] }],
      },
      { kind: 'removeClauses', ruleId: first._id, clauseIds: [first.clauses[0]._id] },
      { kind: 'updateRuleDescription', ruleId: first._id, description: 'Adults' },
      { kind: 'reorderRules', ruleIds: [second._id, first._id] },
    ]);
    expect(res.status).toBe(200);
    const rules = res.body.environments.production.rules;
    expect(rules.map((r: { _id: string }) => r._id)).toEqual([second._id, first._id]);
    expect(rules[1]).toEqual({
      _id: first._id,
      description: 'Adults',
      clauses: [
        { _id: expect.any(String), attribute: 'age', op: 'greaterThan', values: [17], negate: false },
      ],
      trackEvents: false,
      rollout: {
        contextKind: 'org',
        variations: [
          { variation: 0, weight: 50_000 },
          { variation: 2, weight: 50_000 },
        ],
      },
    });
    const bad = await instructions([{ kind: 'reorderRules', ruleIds: [first._id] }]);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('/instructions/0/ruleIds');
    const noClause = await instructions([{ kind: 'removeClauses', ruleId: first._id, clauseIds: ['nope'] }]);
    expect(noClause.body.message).toContain('/instructions/0/clauseIds/0');
  });

  it('adds, updates and removes prerequisites by the other flag variation _id', async () => {
    const other = await t.api('POST', '/api/v2/flags/default', { key: 'login', name: 'Login' });
    const [on, off] = other.body.variations.map((v: { _id: string }) => v._id);
    let res = await instructions([{ kind: 'addPrerequisite', key: 'login', variationId: on }]);
    expect(res.status).toBe(200);
    expect(res.body.environments.production.prerequisites).toEqual([{ key: 'login', variation: 0 }]);
    res = await instructions([{ kind: 'updatePrerequisite', key: 'login', variationId: off }]);
    expect(res.body.environments.production.prerequisites).toEqual([{ key: 'login', variation: 1 }]);
    expect((await latestAudit()).accesses[0].action).toBe('updatePrerequisites');

    const before = await snapshot(t);
    const cases: [unknown, string][] = [
      [{ kind: 'addPrerequisite', key: 'login', variationId: on }, '/instructions/0/key'],
      [{ kind: 'addPrerequisite', key: 'ghost', variationId: on }, '/instructions/0/key'],
      [{ kind: 'updatePrerequisite', key: 'login', variationId: 'nope' }, '/instructions/0/variationId'],
      // Removing a prerequisite the flag does not have does nothing (LaunchDarkly); no key is a 400.
      [{ kind: 'removePrerequisite' }, '/instructions/0/key'],
    ];
    for (const [instruction, pointer] of cases) {
      const bad = await instructions([instruction]);
      expect(bad.status, JSON.stringify(instruction)).toBe(400);
      expect(bad.body.message).toContain(pointer);
    }
    expect(await snapshot(t)).toBe(before);
    res = await instructions([{ kind: 'removePrerequisite', key: 'login' }]);
    expect(res.body.environments.production.prerequisites).toEqual([]);
  });

  it('removes targets of the context kind named, user by default', async () => {
    const red = (await t.api('GET', flagUrl)).body.variations[0]._id;
    await instructions([
      { kind: 'addTargets', variationId: red, values: ['k1'] },
      { kind: 'addTargets', variationId: red, values: ['k1'], contextKind: 'org' },
    ]);
    let res = await instructions([
      { kind: 'removeTargets', variationId: red, values: ['k1'], contextKind: 'org' },
    ]);
    expect(res.body.environments.production.targets).toEqual([{ values: ['k1'], variation: 0 }]);
    res = await instructions([{ kind: 'removeTargets', variationId: red, values: ['k1'] }]);
    expect(res.body.environments.production.targets).toEqual([]);
  });
});
