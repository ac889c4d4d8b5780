import { describe, expect, it } from 'vitest';
import { actions, eachTestWithDefaultProject } from '../helpers/flag-tests.js';
import { snapshot, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;

const { createFlag, latestAudit } = eachTestWithDefaultProject((started) => {
  t = started;
});

describe('flags: create and read', () => {
  it('creates a boolean flag with a configuration per environment', async () => {
    const flag = await createFlag({ tags: ['checkout'] });
    expect(flag).toMatchObject({
      key: 'new-checkout',
      kind: 'boolean',
      _version: 1,
      temporary: true,
      archived: false,
      defaults: { onVariation: 0, offVariation: 1 },
    });
    expect(flag.variations.map((v: { value: unknown }) => v.value)).toEqual([true, false]);
    expect(Object.keys(flag.environments)).toEqual(['production', 'test']);
    expect(flag.environments.production).toMatchObject({
      on: false,
      offVariation: 1,
      fallthrough: { variation: 0 },
      targets: [],
      rules: [],
      prerequisites: [],
      version: 1,
      _environmentName: 'Production',
      _site: { href: '/default/production/features/new-checkout' },
    });

    const entry = await latestAudit();
    expect(entry.kind).toBe('flag');
    expect(actions(entry)).toEqual([
      'createFlag proj/default:env/production:flag/new-checkout',
      'createFlag proj/default:env/test:flag/new-checkout',
    ]);
    expect(entry.titleVerb).toBe('created the flag');
    expect(entry.parent).toEqual({ name: 'Default project', resource: 'proj/default' });
  });

  it('creates a multivariate flag and rejects mixed or duplicate variation values', async () => {
    const res = await t.api('POST', '/api/v2/flags/default', {
      key: 'banner',
      name: 'Banner',
      variations: [{ value: 'red' }, { value: 'green', name: 'Green' }, { value: 'blue' }],
    });
    expect(res.status).toBe(201);
    expect(res.body.kind).toBe('multivariate');
    expect(res.body.defaults).toEqual({ onVariation: 0, offVariation: 2 });

    const before = await snapshot(t);
    const mixed = await t.api('POST', '/api/v2/flags/default', {
      key: 'mixed',
      name: 'Mixed',
      variations: [{ value: 'a' }, { value: 2 }],
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.message).toContain('/variations/1/value');
    const dup = await t.api('POST', '/api/v2/flags/default', {
      key: 'dup',
      name: 'Dup',
      variations: [{ value: 'a' }, { value: 'a' }],
    });
    expect(dup.status).toBe(400);
    expect((await t.api('POST', '/api/v2/flags/default', { key: 'banner', name: 'Again' })).status).toBe(409);
    expect((await t.api('POST', '/api/v2/flags/nope', { key: 'x', name: 'X' })).status).toBe(404);
    expect(await snapshot(t)).toBe(before);
  });

  it('lists flags, filters environments, hides archived ones unless asked', async () => {
    await createFlag();
    await t.api('POST', '/api/v2/flags/default', { key: 'old', name: 'Old', tags: ['legacy'] });
    await t.api('PATCH', '/api/v2/flags/default/old', [{ op: 'replace', path: '/archived', value: true }]);
    const list = await t.api('GET', '/api/v2/flags/default?env=production');
    expect(list.body.items.map((f: { key: string }) => f.key)).toEqual(['new-checkout']);
    expect(Object.keys(list.body.items[0].environments)).toEqual(['production']);
    for (const both of ['env=production,test', 'env=production&env=test']) {
      const listed = await t.api('GET', `/api/v2/flags/default?${both}`);
      expect(listed.status, both).toBe(200);
      expect(Object.keys(listed.body.items[0].environments).sort()).toEqual(['production', 'test']);
    }
    expect((await t.api('GET', '/api/v2/flags/default?env=production,,test')).status).toBe(400);
    const archived = await t.api('GET', '/api/v2/flags/default?archived=true');
    expect(archived.body.items.map((f: { key: string }) => f.key)).toEqual(['old']);
    const one = await t.api('GET', '/api/v2/flags/default/new-checkout?env=test');
    expect(Object.keys(one.body.environments)).toEqual(['test']);
    expect((await t.api('GET', '/api/v2/flags/default/missing')).status).toBe(404);
  });
});

describe('flags: JSON Patch', () => {
  it('turns a flag on in production with a comment: one access, LaunchDarkly title and description', async () => {
    await createFlag();
    const res = await t.api('PATCH', '/api/v2/flags/default/new-checkout', {
      patch: [{ op: 'replace', path: '/environments/production/on', value: true }],
      comment: 'Ship it',
    });
    expect(res.status).toBe(200);
    expect(res.body._version).toBe(2);
    expect(res.body.environments.production).toMatchObject({ on: true, version: 2 });
    expect(res.body.environments.test).toMatchObject({ on: false, version: 1 });

    const entry = await latestAudit();
    expect(actions(entry)).toEqual(['updateOn proj/default:env/production:flag/new-checkout']);
    expect(entry.titleVerb).toBe('turned on the flag');
    expect(entry.title).toBe(
      '[ariel@acme.com](mailto:ariel@acme.com) turned on the flag [New checkout](https://flags.example.com/default/production/features/new-checkout) in `Production`',
    );
    expect(entry.description).toBe('- Turned the flag on');
    expect(entry.comment).toBe('Ship it');
    expect(entry._links.site.href).toBe('/default/production/features/new-checkout');
    expect(entry.previousVersion.environments.production.on).toBe(false);
    expect(entry.currentVersion.environments.production.on).toBe(true);
    expect(entry.delta).toEqual([{ op: 'replace', path: '/environments/production/on', value: true }]);
  });

  it('records flag-wide changes once per environment', async () => {
    await createFlag();
    await t.api('PATCH', '/api/v2/flags/default/new-checkout', [
      { op: 'replace', path: '/name', value: 'Checkout v2' },
      { op: 'add', path: '/tags/-', value: 'beta' },
    ]);
    const entry = await latestAudit();
    expect(actions(entry)).toEqual([
      'updateName proj/default:env/production:flag/new-checkout',
      'updateName proj/default:env/test:flag/new-checkout',
      'updateTags proj/default:env/production:flag/new-checkout',
      'updateTags proj/default:env/test:flag/new-checkout',
    ]);
    expect(entry.description).toBe(
      '- Changed the name from *New checkout* to *Checkout v2*\n- Added tags *beta*',
    );
    expect(entry.titleVerb).toBe('updated the flag');
  });

  it('describes default rule, off variation, targets, rules and prerequisites before → after', async () => {
    await createFlag();
    await t.api('POST', '/api/v2/flags/default', { key: 'dep', name: 'Dependency' });
    const res = await t.api('PATCH', '/api/v2/flags/default/new-checkout', [
      { op: 'replace', path: '/environments/production/fallthrough', value: { variation: 1 } },
      { op: 'replace', path: '/environments/production/offVariation', value: 0 },
      { op: 'add', path: '/environments/production/targets/-', value: { values: ['user-1'], variation: 0 } },
      {
        op: 'add',
        path: '/environments/production/rules/-',
        value: {
          _id: 'r1',
          clauses: [{ attribute: 'country', op: 'in', values: ['NO'], negate: false }],
          variation: 0,
          trackEvents: false,
        },
      },
      { op: 'add', path: '/environments/production/prerequisites/-', value: { key: 'dep', variation: 0 } },
    ]);
    expect(res.status).toBe(200);
    const entry = await latestAudit();
    expect(entry.accesses.map((a: { action: string }) => a.action)).toEqual([
      'updateOffVariation',
      'updateFallthrough',
      'updateTargets',
      'updateRules',
      'updatePrerequisites',
    ]);
    expect(entry.description.split('\n')).toEqual([
      '- Changed the off variation from *false* to *true*',
      '- Changed the default rule from *true* to *false*',
      '- Added *user-1* to the individual targets serving *true*',
      '- Added rule 1: if country in *NO* serve *true*',
      '- Changed the prerequisites from *(none)* to *dep:0*',
    ]);
    expect(entry.title).toContain('in `Production`');
  });

  it('rejects a patch that produces an invalid flag, whole, with the pointer', async () => {
    await createFlag();
    const before = await snapshot(t);
    const cases: [unknown[], string][] = [
      [
        [{ op: 'replace', path: '/environments/production/offVariation', value: 5 }],
        '/environments/production/offVariation',
      ],
      [
        [
          {
            op: 'replace',
            path: '/environments/production/fallthrough',
            value: { rollout: { variations: [{ variation: 0, weight: 10 }] } },
          },
        ],
        '/environments/production/fallthrough/rollout/variations',
      ],
      [[{ op: 'replace', path: '/environments/production/on', value: 'yes' }], '/environments/production/on'],
      [[{ op: 'add', path: '/colour', value: 'red' }], '/colour'],
      [[{ op: 'remove', path: '/environments/test' }], '/environments/test'],
      [
        [{ op: 'replace', path: '/environments/production/version', value: 9 }],
        '/environments/production/version',
      ],
      [[{ op: 'replace', path: '/environments/nope/on', value: true }], '/patch/0/path'],
      [
        [
          { op: 'replace', path: '/name', value: 'Fine' },
          { op: 'replace', path: '/variations/0/value', value: 'x' },
        ],
        '/variations',
      ],
      [
        [
          {
            op: 'add',
            path: '/environments/production/prerequisites/-',
            value: { key: 'ghost', variation: 0 },
          },
        ],
        '/environments/production/prerequisites/0/key',
      ],
    ];
    for (const [patch, pointer] of cases) {
      const res = await t.api('PATCH', '/api/v2/flags/default/new-checkout', patch);
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.body.message, JSON.stringify(patch)).toContain(pointer);
    }
    expect(await snapshot(t)).toBe(before);
  });

  it('refuses to delete a flag that is another flag’s prerequisite, then deletes it', async () => {
    await createFlag();
    await t.api('POST', '/api/v2/flags/default', { key: 'dep', name: 'Dependency' });
    await t.api('PATCH', '/api/v2/flags/default/new-checkout', [
      { op: 'add', path: '/environments/test/prerequisites/-', value: { key: 'dep', variation: 0 } },
    ]);
    expect((await t.api('DELETE', '/api/v2/flags/default/dep')).status).toBe(409);
    expect((await t.api('DELETE', '/api/v2/flags/default/new-checkout')).status).toBe(204);
    const entry = await latestAudit();
    expect(actions(entry)).toEqual([
      'deleteFlag proj/default:env/production:flag/new-checkout',
      'deleteFlag proj/default:env/test:flag/new-checkout',
    ]);
    expect((await t.api('DELETE', '/api/v2/flags/default/dep')).status).toBe(204);
  });
});

describe('flags follow their environments', () => {
  it('a new environment adds a configuration to every flag; deleting it removes them', async () => {
    await createFlag();
    await t.api('POST', '/api/v2/projects/default/environments', {
      key: 'staging',
      name: 'Staging',
      color: '000000',
    });
    let flag = (await t.api('GET', '/api/v2/flags/default/new-checkout')).body;
    expect(Object.keys(flag.environments)).toEqual(['production', 'test', 'staging']);
    expect(flag.environments.staging).toMatchObject({
      on: false,
      offVariation: 1,
      fallthrough: { variation: 0 },
    });
    await t.api('DELETE', '/api/v2/projects/default/environments/staging');
    flag = (await t.api('GET', '/api/v2/flags/default/new-checkout')).body;
    expect(Object.keys(flag.environments)).toEqual(['production', 'test']);
  });
});
