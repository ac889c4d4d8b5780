import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SdkChange } from '../../src/features/sdk/sdk-change.js';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * POST /flags/{p}/{key}/copy (a flag's configuration from one environment to another) and
 * POST /flags/{p}?clone={key} (a new flag made from an existing one), in-process, on SQLite and
 * (vitest.postgres.config.ts) PostgreSQL.
 */

let t: TestSwitchboard;
const semantic = { 'content-type': 'application/json; domain-model=launchdarkly.semanticpatch' };

beforeEach(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default project' });
  for (const key of ['new-checkout', 'login']) {
    const res = await t.api('POST', '/api/v2/flags/default', {
      key,
      name: key === 'login' ? 'Login' : 'New checkout',
      tags: ['checkout'],
      variations: [{ value: 'red' }, { value: 'green' }, { value: 'blue', name: 'Blue' }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  // A configuration in `test` worth copying: on, a target, a rule, a prerequisite, a rollout.
  const configured = await t.api(
    'PATCH',
    '/api/v2/flags/default/new-checkout',
    {
      environmentKey: 'test',
      instructions: [
        { kind: 'turnFlagOn' },
        { kind: 'addTargets', variationId: await variationId('new-checkout', 2), values: ['ann'] },
        {
          kind: 'addRule',
          clauses: [{ attribute: 'country', op: 'in', values: ['NZ'], negate: false }],
          variationId: await variationId('new-checkout', 1),
          description: 'Kiwis',
        },
        { kind: 'updateOffVariation', variationId: await variationId('new-checkout', 0) },
        { kind: 'addPrerequisite', key: 'login', variationId: await variationId('login', 1) },
      ],
    },
    semantic,
  );
  expect(configured.status, JSON.stringify(configured.body)).toBe(200);
});
afterEach(async () => {
  await t.close();
});

async function variationId(flagKey: string, index: number): Promise<string> {
  const flag = await t.api('GET', `/api/v2/flags/default/${flagKey}`);
  return flag.body.variations[index]._id;
}

async function latestAudit() {
  const list = await t.api('GET', '/api/v2/auditlog?limit=1');
  return (await t.api('GET', `/api/v2/auditlog/${list.body.items[0]._id}`)).body;
}

function copy(body: unknown, flagKey = 'new-checkout') {
  return t.api('POST', `/api/v2/flags/default/${flagKey}/copy`, body);
}

const editable = ['on', 'targets', 'rules', 'fallthrough', 'offVariation', 'prerequisites'] as const;

describe('copying a flag between environments', () => {
  it('copies the whole configuration, raises the target version, and audits it on both environments', async () => {
    const before = (await t.api('GET', '/api/v2/flags/default/new-checkout')).body;
    const res = await copy({
      source: { key: 'test' },
      target: { key: 'production', currentVersion: 1 },
      comment: 'Ship what QA saw',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const test = before.environments.test;
    const production = res.body.environments.production;
    for (const field of editable) expect(production[field], field).toEqual(test[field]);
    // What the server owns in the target stays its own; the version grows.
    expect(production.salt).toBe(before.environments.production.salt);
    expect(production.version).toBe(2);
    expect(res.body.environments.test).toEqual(test);
    // Stored, not only answered.
    expect((await t.api('GET', '/api/v2/flags/default/new-checkout')).body).toEqual(res.body);

    const entry = await latestAudit();
    expect(entry.accesses).toEqual([
      { action: 'copyFlagConfigTo', resource: 'proj/default:env/test:flag/new-checkout' },
      { action: 'copyFlagConfigFrom', resource: 'proj/default:env/production:flag/new-checkout' },
    ]);
    expect(entry.comment).toBe('Ship what QA saw');
    expect(entry.title).toContain('copied the settings of `Test` into the flag');
    expect(entry.title).toContain('in `Production`');
    expect(entry.description).toContain('Turned the flag on');
    expect(entry.currentVersion.environments.production.on).toBe(true);
    expect(entry.previousVersion.environments.production.on).toBe(false);
  });

  it('copies only the includedActions, or all but the excludedActions', async () => {
    const before = (await t.api('GET', '/api/v2/flags/default/new-checkout')).body;
    const only = await copy({
      source: { key: 'test' },
      target: { key: 'production' },
      includedActions: ['updateOn', 'updateTargets'],
    });
    expect(only.status, JSON.stringify(only.body)).toBe(201);
    const p = only.body.environments.production;
    expect(p.on).toBe(true);
    expect(p.targets).toEqual(before.environments.test.targets);
    expect(p.rules).toEqual([]);
    expect(p.prerequisites).toEqual([]);
    expect(p.offVariation).toBe(before.environments.production.offVariation);

    const allBut = await copy({
      source: { key: 'test' },
      target: { key: 'production' },
      excludedActions: ['updatePrerequisites', 'updateOffVariation'],
    });
    expect(allBut.status, JSON.stringify(allBut.body)).toBe(201);
    const q = allBut.body.environments.production;
    expect(q.rules).toEqual(before.environments.test.rules);
    expect(q.prerequisites).toEqual([]);
    expect(q.offVariation).toBe(before.environments.production.offVariation);
    expect(q.version).toBe(3);
  });

  it('a copy that changes nothing writes nothing', async () => {
    await copy({ source: { key: 'test' }, target: { key: 'production' } });
    const before = await snapshot(t);
    const again = await copy({ source: { key: 'test' }, target: { key: 'production' } });
    expect(again.status).toBe(201);
    expect(again.body.environments.production.version).toBe(2);
    expect(await snapshot(t)).toBe(before);
  });

  it('a currentVersion that is not the flag version in that environment is a 409, and nothing changes', async () => {
    const before = await snapshot(t);
    for (const body of [
      { source: { key: 'test', currentVersion: 1 }, target: { key: 'production' } },
      { source: { key: 'test' }, target: { key: 'production', currentVersion: 7 } },
    ]) {
      const res = await copy(body);
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.code).toBe('conflict');
    }
    expect(await snapshot(t)).toBe(before);
    // The versions it checks are the environments' own: test is at 2 after its setup.
    const ok = await copy({
      source: { key: 'test', currentVersion: 2 },
      target: { key: 'production', currentVersion: 1 },
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });

  it('refuses bad requests with a 400 naming the field, and changes nothing', async () => {
    const before = await snapshot(t);
    const cases: [unknown, string][] = [
      [{ source: { key: 'staging' }, target: { key: 'production' } }, '/source/key'],
      [{ source: { key: 'test' }, target: { key: 'staging' } }, '/target/key'],
      [{ source: { key: 'test' }, target: { key: 'test' } }, '/target/key'],
      [
        {
          source: { key: 'test' },
          target: { key: 'production' },
          includedActions: ['updateOn'],
          excludedActions: ['updateRules'],
        },
        '/excludedActions',
      ],
      [
        { source: { key: 'test' }, target: { key: 'production' }, includedActions: ['updateName'] },
        'includedActions',
      ],
      [{ source: { key: 'test' } }, 'target'],
      [{ source: { key: 'test' }, target: { key: 'production' }, extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await copy(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message, JSON.stringify(body)).toContain(field);
    }
    expect((await copy({ source: { key: 'test' }, target: { key: 'production' } }, 'nope')).status).toBe(404);
    expect(await snapshot(t)).toBe(before);
  });

  it('reaches the SDK change feed for the target environment, with its new version', async () => {
    const heard: SdkChange[] = [];
    t.switchboard.sdk.feed.subscribe({ changed: (changes) => heard.push(...changes), resync: () => {} });
    const res = await copy({ source: { key: 'test' }, target: { key: 'production' } });
    expect(res.status).toBe(201);
    expect(heard).toContainEqual({
      projectKey: 'default',
      envKey: 'production',
      kind: 'flag',
      key: 'new-checkout',
      version: 2,
    });
    // And a poller reads the copied configuration (LaunchDarkly's SDK data model) in production.
    const env = await t.api('GET', '/api/v2/projects/default/environments/production');
    const polled = await t.switchboard.app.inject({
      method: 'GET',
      url: '/sdk/latest-all',
      headers: { authorization: env.body.apiKey },
    });
    expect(polled.statusCode).toBe(200);
    const sdkFlag = JSON.parse(polled.body).flags['new-checkout'];
    expect(sdkFlag).toMatchObject({ on: true, version: 2, offVariation: 0 });
    expect(sdkFlag.rules).toHaveLength(1);
    expect(sdkFlag.prerequisites).toEqual([{ key: 'login', variation: 1 }]);
  });

  it('notifies the integrations whose filter matches the target', async () => {
    const hook = await t.api('POST', '/api/v2/webhooks', {
      url: 'https://hooks.example.com/flags',
      sign: false,
      on: true,
      statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const res = await copy({ source: { key: 'test' }, target: { key: 'production' } });
    expect(res.status).toBe(201);
    const entry = await latestAudit();
    const rows = await t.switchboard.database.db
      .selectFrom('deliveries')
      .select(['integration_id'])
      .where('audit_id', '=', entry._id)
      .execute();
    expect(rows.map((r) => r.integration_id)).toEqual([hook.body._id]);
  });

  it('is in the OpenAPI document, with clone on the flag POST', async () => {
    const doc = (await t.api('GET', '/api/v2/openapi.json')).body;
    expect(doc.paths['/api/v2/flags/{projectKey}/{flagKey}/copy'].post).toBeDefined();
    const parameters = doc.paths['/api/v2/flags/{projectKey}'].post.parameters as {
      name: string;
      in: string;
    }[];
    expect(parameters).toContainEqual(expect.objectContaining({ name: 'clone', in: 'query' }));
  });
});

describe('cloning a flag', () => {
  it('makes a new flag with the original variations and targeting in every environment', async () => {
    const original = (await t.api('GET', '/api/v2/flags/default/new-checkout')).body;
    const res = await t.api('POST', '/api/v2/flags/default?clone=new-checkout', {
      key: 'new-checkout-2',
      name: 'New checkout, again',
      description: 'The second try',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const clone = res.body;
    expect(clone).toMatchObject({
      key: 'new-checkout-2',
      name: 'New checkout, again',
      description: 'The second try',
      kind: 'multivariate',
      tags: ['checkout'],
      _version: 1,
      archived: false,
    });
    expect(clone.variations.map((v: { value: unknown; name?: string }) => [v.value, v.name])).toEqual(
      original.variations.map((v: { value: unknown; name?: string }) => [v.value, v.name]),
    );
    expect(clone.defaults).toEqual(original.defaults);
    for (const envKey of ['production', 'test']) {
      for (const field of editable)
        expect(clone.environments[envKey][field], `${envKey} ${field}`).toEqual(
          original.environments[envKey][field],
        );
      expect(clone.environments[envKey].version).toBe(1);
      expect(clone.environments[envKey].salt).not.toBe(original.environments[envKey].salt);
    }
    expect(clone.environments.test.on).toBe(true);
    // The original is untouched.
    expect((await t.api('GET', '/api/v2/flags/default/new-checkout')).body).toEqual(original);

    const entry = await latestAudit();
    expect(
      entry.accesses.map((a: { action: string; resource: string }) => `${a.action} ${a.resource}`),
    ).toEqual([
      'createFlag proj/default:env/production:flag/new-checkout-2',
      'createFlag proj/default:env/test:flag/new-checkout-2',
      'cloneFlag proj/default:env/production:flag/new-checkout',
      'cloneFlag proj/default:env/test:flag/new-checkout',
    ]);
    expect(entry.description).toContain('Cloned the flag');
  });

  it('the body replaces the fields it gives; variations and defaults are refused', async () => {
    const tagged = await t.api('POST', '/api/v2/flags/default?clone=login', {
      key: 'login-2',
      name: 'Login 2',
      tags: ['auth'],
      temporary: false,
    });
    expect(tagged.status, JSON.stringify(tagged.body)).toBe(201);
    expect(tagged.body).toMatchObject({ tags: ['auth'], temporary: false });

    const before = await snapshot(t);
    for (const [extra, field] of [
      [{ variations: [{ value: 1 }, { value: 2 }] }, '/variations'],
      [{ defaults: { onVariation: 0, offVariation: 1 } }, '/defaults'],
    ] as const) {
      const res = await t.api('POST', '/api/v2/flags/default?clone=login', {
        key: 'login-3',
        name: 'x',
        ...extra,
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(field);
    }
    expect((await t.api('POST', '/api/v2/flags/default?clone=nope', { key: 'x', name: 'x' })).status).toBe(
      404,
    );
    const taken = await t.api('POST', '/api/v2/flags/default?clone=login', {
      key: 'new-checkout',
      name: 'x',
    });
    expect(taken.status).toBe(409);
    // A clone's maintainer must be a member, as a new flag's is.
    const stranger = await t.api('POST', '/api/v2/flags/default?clone=login', {
      key: 'login-4',
      name: 'x',
      maintainerId: 'not-a-member',
    });
    expect(stranger.status).toBe(400);
    expect(stranger.body.message).toContain('/maintainerId');
    expect(await snapshot(t)).toBe(before);
  });
});
