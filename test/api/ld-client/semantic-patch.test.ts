import {
  FeatureFlagsApi,
  type PatchWithComment,
  ProjectsApi,
  SegmentsApi,
} from 'launchdarkly-api-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectModel, type LdClientKit, startLdClientKit } from './ld-client-kit.js';

/**
 * Issue 16, item 8, as a migrating team's script sends semantic patches with LaunchDarkly's
 * official client: `patchFeatureFlag` / `patchSegment` with the semantic-patch Content-Type and
 * an `{environmentKey, comment, instructions}` body in place of the typed `{patch}` (the client
 * has no separate method; LaunchDarkly's docs show this header). Each answer is checked against
 * the client's model. SQLite and (vitest.postgres.config.ts) PostgreSQL.
 */

let kit: LdClientKit;
let flags: FeatureFlagsApi;
let segments: SegmentsApi;

const semantic = { headers: { 'Content-Type': 'application/json; domain-model=launchdarkly.semanticpatch' } };

/** The semantic body, sent where the client's types expect a JSON patch. */
function instructions(body: { environmentKey?: string; comment?: string; instructions: unknown[] }) {
  return body as unknown as PatchWithComment;
}

beforeAll(async () => {
  kit = await startLdClientKit();
  flags = kit.api(FeatureFlagsApi);
  segments = kit.api(SegmentsApi);
  expect((await kit.api(ProjectsApi).postProject({ key: 'shop', name: 'Shop' })).status).toBe(201);
  const flag = await flags.postFeatureFlag('shop', {
    key: 'checkout',
    name: 'Checkout',
    variations: [{ value: 'red' }, { value: 'green' }, { value: 'blue' }],
  });
  expect(flag.status, JSON.stringify(flag.data)).toBe(201);
  expect((await flags.postFeatureFlag('shop', { key: 'login', name: 'Login' })).status).toBe(201);
  const segment = await segments.postSegment('shop', 'production', { key: 'beta', name: 'Beta' });
  expect(segment.status, JSON.stringify(segment.data)).toBe(201);
}, 60_000);
afterAll(async () => {
  await kit?.close();
});

describe('patchFeatureFlag with a semantic patch', () => {
  it('targets, rules, clauses and prerequisites in one environment, as FeatureFlag', async () => {
    const flag = (await flags.getFeatureFlag('shop', 'checkout')).data;
    const [red, green, blue] = flag.variations.map((v) => v._id as string);
    const login = (await flags.getFeatureFlag('shop', 'login')).data;
    let res = await flags.patchFeatureFlag(
      'shop',
      'checkout',
      instructions({
        environmentKey: 'production',
        comment: 'Launch to the Nordics',
        instructions: [
          { kind: 'turnFlagOn' },
          { kind: 'addTargets', variationId: blue, values: ['qa-1'] },
          {
            kind: 'addRule',
            variationId: green,
            description: 'Nordics',
            clauses: [{ contextKind: 'user', attribute: 'country', op: 'in', negate: false, values: ['NO'] }],
          },
          { kind: 'addPrerequisite', key: 'login', variationId: login.variations[0]?._id },
          {
            kind: 'updateFallthroughVariationOrRollout',
            rolloutWeights: { [red as string]: 90_000, [green as string]: 10_000 },
          },
        ],
      }),
      undefined,
      semantic,
    );
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expectModel('FeatureFlag', res.data);
    const production = res.data.environments?.production;
    expect(production?.on).toBe(true);
    expect(production?.targets).toEqual([{ values: ['qa-1'], variation: 2 }]);
    expect(production?.prerequisites).toEqual([{ key: 'login', variation: 0 }]);
    const rule = production?.rules?.[0];
    const clauseId = rule?.clauses[0]?._id;

    res = await flags.patchFeatureFlag(
      'shop',
      'checkout',
      instructions({
        environmentKey: 'production',
        instructions: [
          { kind: 'addValuesToClause', ruleId: rule?._id, clauseId, values: ['SE'] },
          {
            kind: 'updateClause',
            ruleId: rule?._id,
            clauseId,
            clause: { attribute: 'country', op: 'in', values: ['NO', 'SE', 'DK'] },
          },
          { kind: 'updateRuleVariationOrRollout', ruleId: rule?._id, variationId: blue },
          { kind: 'replaceTargets', targets: [{ contextKind: 'org', variationId: red, values: ['acme'] }] },
          { kind: 'removePrerequisite', key: 'login' },
        ],
      }),
      undefined,
      semantic,
    );
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expectModel('FeatureFlag', res.data);
    expect(res.data.environments?.production?.rules?.[0]).toMatchObject({
      variation: 2,
      clauses: [{ _id: clauseId, values: ['NO', 'SE', 'DK'] }],
    });
    expect(res.data.environments?.production?.targets).toEqual([
      { values: ['acme'], variation: 0, contextKind: 'org' },
    ]);
    expect(res.data.environments?.production?.prerequisites).toEqual([]);
  });

  it('variations, maintainer and settings without environmentKey', async () => {
    const me = (await kit.t.api('GET', '/api/v2/members/me')).body._id;
    const res = await flags.patchFeatureFlag(
      'shop',
      'checkout',
      instructions({
        instructions: [
          { kind: 'addVariation', value: 'pink', name: 'Pink' },
          { kind: 'updateMaintainerMember', value: me },
          { kind: 'updateName', value: 'Checkout colours' },
          { kind: 'addTags', values: ['web'] },
        ],
      }),
      undefined,
      semantic,
    );
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expectModel('FeatureFlag', res.data);
    expect(res.data).toMatchObject({ name: 'Checkout colours', maintainerId: me, tags: ['web'] });
    const pink = res.data.variations[3];
    expect(pink).toMatchObject({ value: 'pink', name: 'Pink' });
    const removed = await flags.patchFeatureFlag(
      'shop',
      'checkout',
      instructions({ instructions: [{ kind: 'removeVariation', variationId: pink?._id }] }),
      undefined,
      semantic,
    );
    expect(removed.status, JSON.stringify(removed.data)).toBe(200);
    expect(removed.data.variations).toHaveLength(3);
  });

  it('a bad instruction is a 400 naming it, and nothing changes', async () => {
    const before = (await flags.getFeatureFlag('shop', 'checkout')).data;
    const res = await flags.patchFeatureFlag(
      'shop',
      'checkout',
      instructions({
        environmentKey: 'production',
        instructions: [{ kind: 'turnFlagOff' }, { kind: 'removeClauses', ruleId: 'nope', clauseIds: [] }],
      }),
      undefined,
      semantic,
    );
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.data)).toContain('/instructions/1/ruleId');
    expect((await flags.getFeatureFlag('shop', 'checkout')).data._version).toBe(before._version);
  });

  it('JSON patch of the maintainer and a variation name through the same method', async () => {
    const res = await flags.patchFeatureFlag('shop', 'login', {
      patch: [
        { op: 'replace', path: '/variations/0/name', value: 'Enabled' },
        { op: 'replace', path: '/variations/1/description', value: 'The old login' },
      ],
      comment: 'names',
    });
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expectModel('FeatureFlag', res.data);
    expect(res.data.variations[0]?.name).toBe('Enabled');
    expect(res.data.variations[1]?.description).toBe('The old login');
  });
});

describe('patchSegment with a semantic patch', () => {
  it('includes, excludes, adds a rule and renames, as UserSegment', async () => {
    const res = await segments.patchSegment(
      'shop',
      'production',
      'beta',
      instructions({
        environmentKey: 'production',
        comment: 'Sync from CRM',
        instructions: [
          { kind: 'addIncludedTargets', contextKind: 'org', values: ['acme', 'globex'] },
          { kind: 'addExcludedTargets', contextKind: 'user', values: ['intern-1'] },
          { kind: 'addIncludedUsers', values: ['ceo'] },
          {
            kind: 'addRule',
            description: 'Staff',
            clauses: [{ attribute: 'email', op: 'endsWith', negate: false, values: ['@shop.com'] }],
          },
          { kind: 'updateName', value: 'Beta testers' },
          { kind: 'addTags', values: ['crm'] },
        ],
      }),
      semantic,
    );
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expectModel('UserSegment', res.data);
    expect(res.data).toMatchObject({
      name: 'Beta testers',
      tags: ['crm'],
      included: ['ceo'],
      excluded: ['intern-1'],
      includedContexts: [{ contextKind: 'org', values: ['acme', 'globex'] }],
      rules: [{ description: 'Staff' }],
    });

    const removed = await segments.patchSegment(
      'shop',
      'production',
      'beta',
      instructions({
        environmentKey: 'production',
        instructions: [
          { kind: 'removeIncludedTargets', contextKind: 'org', values: ['globex'] },
          { kind: 'removeRule', ruleId: res.data.rules[0]?._id },
        ],
      }),
      semantic,
    );
    expect(removed.status, JSON.stringify(removed.data)).toBe(200);
    expectModel('UserSegment', removed.data);
    expect(removed.data.includedContexts).toEqual([{ contextKind: 'org', values: ['acme'] }]);
    expect(removed.data.rules).toEqual([]);
  });

  it('a key both included and excluded is a 400 naming it', async () => {
    const res = await segments.patchSegment(
      'shop',
      'production',
      'beta',
      instructions({
        environmentKey: 'production',
        instructions: [{ kind: 'addExcludedUsers', values: ['ceo'] }],
      }),
      semantic,
    );
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.data)).toContain('/instructions/0/values/0');
  });
});
