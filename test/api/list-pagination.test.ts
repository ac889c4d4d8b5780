import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * LaunchDarkly's list parameters on every /api/v2 list (issue 16, item 1): pages, links that
 * keep the other parameters, filters, sorts and summaries, answered from the database on both
 * engines. One Switchboard for the file: the lists are only read after the set-up.
 */
let t: TestSwitchboard;
const flags = '/api/v2/flags/default';

interface Page {
  items: {
    key: string;
    name?: string;
    _id?: string;
    environments?: Record<string, Record<string, unknown>>;
  }[];
  totalCount: number;
  _links: Record<string, { href: string }>;
}

async function page(url: string): Promise<Page> {
  const res = await t.api('GET', url);
  expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body as Page;
}

async function refused(url: string): Promise<{ pointer: string; message: string }> {
  const res = await t.api('GET', url);
  expect(res.status, url).toBe(400);
  expect(res.body.code).toBe('invalid_request');
  return res.body.errors[0];
}

/** Follows `next` from `url` until it is gone, as a migrating script does. */
async function followNext(url: string): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let next: string | undefined = url;
  let pages = 0;
  while (next !== undefined) {
    const p = await page(next);
    keys.push(...p.items.map((i) => i.key ?? i._id ?? ''));
    next = p._links.next?.href;
    pages++;
    expect(pages).toBeLessThan(100);
  }
  return { keys, pages };
}

const flagKeys = Array.from({ length: 25 }, (_, i) => `flag-${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default', tags: ['web'] });
  for (const [i, key] of flagKeys.entries()) {
    const res = await t.api('POST', flags, {
      key,
      // Names run the other way from keys, so sort=name and sort=key differ.
      name: `Name ${String(99 - i).padStart(2, '0')}${i === 7 ? ' Dark Mode' : ''}`,
      tags: i % 5 === 0 ? ['beta', 'test'] : i % 5 === 1 ? ['beta'] : [],
      temporary: i % 2 === 0,
      ...(i === 3 ? { clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: false } } : {}),
    });
    expect(res.status).toBe(201);
  }
  // Two archived flags, and a rule on one so summaries have something to leave out.
  for (const key of ['flag-20', 'flag-21']) {
    expect(
      (await t.api('PATCH', `${flags}/${key}`, [{ op: 'replace', path: '/archived', value: true }])).status,
    ).toBe(200);
  }
  const rule = {
    clauses: [{ attribute: 'email', op: 'endsWith', values: ['@x.com'], negate: false }],
    variation: 0,
  };
  const ruled = await t.api('PATCH', `${flags}/flag-00`, [
    { op: 'add', path: '/environments/production/rules/-', value: rule },
  ]);
  expect(ruled.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await t.close();
});

describe('flag pages', () => {
  it('answers 20 by default, with totalCount and next/last but no first/prev on the first page', async () => {
    const first = await page(flags);
    expect(first.items).toHaveLength(20);
    expect(first.totalCount).toBe(23);
    expect(Object.keys(first._links).sort()).toEqual(['last', 'next', 'self']);
    expect(first.items.map((i) => i.key)).toEqual(
      flagKeys.filter((k) => k !== 'flag-20' && k !== 'flag-21').slice(0, 20),
    );
  });

  it('visits every flag once by following next, keeping the other parameters', async () => {
    const { keys, pages } = await followNext(`${flags}?limit=7&env=production`);
    expect(pages).toBe(4);
    expect(keys).toHaveLength(23);
    expect(new Set(keys).size).toBe(23);
    const last = await page(`${flags}?limit=7&offset=21&env=production`);
    expect(Object.keys(last._links).sort()).toEqual(['first', 'prev', 'self']);
    expect(new URL(last._links.prev?.href ?? '', 'http://x').searchParams.get('env')).toBe('production');
    expect(Object.keys(last.items[0]?.environments ?? {})).toEqual(['production']);
  });

  it('ends a loop that pages by offset until an empty page', async () => {
    const seen: string[] = [];
    for (let offset = 0; ; offset += 10) {
      const p = await page(`${flags}?limit=10&offset=${offset}`);
      if (p.items.length === 0) break;
      seen.push(...p.items.map((i) => i.key));
      expect(offset).toBeLessThan(100);
    }
    expect(seen).toHaveLength(23);
  });

  it('names a bad limit or offset', async () => {
    expect((await refused(`${flags}?limit=101`)).pointer).toBe('query /limit');
    expect((await refused(`${flags}?limit=0`)).pointer).toBe('query /limit');
    expect((await refused(`${flags}?limit=ten`)).pointer).toBe('query /limit');
    expect((await refused(`${flags}?offset=-1`)).pointer).toBe('query /offset');
  });

  it('filters by query, tags, state, type, sdkAvailability and creationDate', async () => {
    const keys = async (filter: string) =>
      (await page(`${flags}?limit=100&filter=${encodeURIComponent(filter)}`)).items.map((i) => i.key);
    expect(await keys('query:dark mode')).toEqual(['flag-07']);
    expect(await keys('query:FLAG-1')).toHaveLength(10);
    expect(await keys('tags:beta+test')).toEqual(['flag-00', 'flag-05', 'flag-10', 'flag-15']);
    expect(await keys('tags:beta')).toHaveLength(8);
    expect(await keys('state:archived')).toEqual(['flag-20', 'flag-21']);
    expect(await keys('archived:true,tags:test')).toEqual(['flag-20']);
    expect(await keys('state:deprecated')).toEqual([]);
    expect(await keys('type:permanent,query:flag-0')).toEqual([
      'flag-01',
      'flag-03',
      'flag-05',
      'flag-07',
      'flag-09',
    ]);
    expect(await keys('sdkAvailability:client')).toEqual(['flag-03']);
    expect(await keys('hasExperiment:true')).toEqual([]);
    const created = (await t.api('GET', `${flags}/flag-05`)).body.creationDate as number;
    expect((await keys(`creationDate:{"before":${created}}`)).length).toBeLessThanOrEqual(5);
    // An unencoded + arrives as a space: still two tags.
    expect((await page(`${flags}?filter=tags:beta+test`)).items.map((i) => i.key)).toHaveLength(4);
  });

  it('filters by when an SDK last evaluated a flag in an environment', async () => {
    const now = Date.now();
    // As the SDK events pipeline records them (sdk-events-store.ts).
    for (const [env, key, at] of [
      ['production', 'flag-05', now],
      ['test', 'flag-06', now],
      ['production', 'flag-07', now - 60_000],
    ] as const) {
      await sql`insert into flag_last_evaluated (project_key, env_key, flag_key, at) values ('default', ${env}, ${key}, ${at})`.execute(
        t.switchboard.database.db,
      );
    }
    const filter = encodeURIComponent(`evaluated:{"after":${now - 1_000}},filterEnv:production`);
    expect((await page(`${flags}?filter=${filter}`)).items.map((i) => i.key)).toEqual(['flag-05']);
  });

  it('keeps the tag and archived parameters working beside filter', async () => {
    expect((await page(`${flags}?tag=test&limit=100`)).totalCount).toBe(4);
    expect((await page(`${flags}?archived=true`)).items.map((i) => i.key)).toEqual(['flag-20', 'flag-21']);
  });

  it('refuses unknown and unsupported filter fields, sorts and expansions by name', async () => {
    expect(await refused(`${flags}?filter=colour:red`)).toMatchObject({
      pointer: 'query /filter',
      message: expect.stringContaining('unknown filter field "colour"'),
    });
    expect((await refused(`${flags}?filter=codeReferences.max:0`)).message).toBe(
      'filter field "codeReferences.max" is not supported by Switchboard',
    );
    expect((await refused(`${flags}?filter=evaluated:{"after":1}`)).message).toBe(
      'evaluated needs filterEnv (an environment key)',
    );
    expect((await refused(`${flags}?filter=evaluated:{"after":1},filterEnv:nowhere`)).message).toContain(
      'nowhere',
    );
    expect((await refused(`${flags}?filter=type:sometimes`)).message).toContain('temporary, permanent');
    expect((await refused(`${flags}?sort=colour`)).pointer).toBe('query /sort');
    expect((await refused(`${flags}?expand=evaluation`)).pointer).toBe('query /expand');
    expect((await refused(`${flags}?compare=true`)).pointer).toBe('query /compare');
    expect((await refused(`${flags}?sort=targetingModifiedDate`)).pointer).toBe('query /sort');
  });

  it('sorts by name, key and creation date, either way', async () => {
    const keys = async (sort: string) =>
      (await page(`${flags}?limit=3&sort=${sort}`)).items.map((i) => i.key);
    expect(await keys('name')).toEqual(['flag-24', 'flag-23', 'flag-22']);
    expect(await keys('-name')).toEqual(['flag-00', 'flag-01', 'flag-02']);
    expect(await keys('-key')).toEqual(['flag-24', 'flag-23', 'flag-22']);
    expect(await keys('-creationDate')).toEqual(['flag-24', 'flag-23', 'flag-22']);
    expect(await keys('type,key')).toEqual(['flag-01', 'flag-03', 'flag-05']);
    expect((await page(`${flags}?limit=1&sort=-targetingModifiedDate&env=production`)).items[0]?.key).toBe(
      'flag-00',
    );
  });

  it('leaves prerequisites, targets and rules out unless summary=0', async () => {
    const summary = (await page(`${flags}?limit=1`)).items[0]?.environments?.production ?? {};
    expect(summary).toHaveProperty('on');
    expect(summary).not.toHaveProperty('rules');
    expect(summary).not.toHaveProperty('targets');
    expect(summary).not.toHaveProperty('prerequisites');
    const full = (await page(`${flags}?limit=1&summary=0`)).items[0]?.environments?.production ?? {};
    expect(full.rules).toHaveLength(1);
    expect(full.targets).toEqual([]);
    expect((await page(`${flags}?limit=1&summary=false`)).items[0]?.environments?.production).toHaveProperty(
      'rules',
    );
  });

  it('follows a rename and an archive in the same request that makes them', async () => {
    await t.api('PATCH', `${flags}/flag-12`, [{ op: 'replace', path: '/name', value: 'Aardvark' }]);
    expect((await page(`${flags}?limit=1&sort=name`)).items[0]?.key).toBe('flag-12');
    expect((await page(`${flags}?filter=query:aardvark`)).items.map((i) => i.key)).toEqual(['flag-12']);
    await t.api('PATCH', `${flags}/flag-12`, [{ op: 'replace', path: '/archived', value: true }]);
    expect((await page(`${flags}?filter=query:aardvark`)).totalCount).toBe(0);
    expect((await page(`${flags}?filter=query:aardvark,state:archived`)).totalCount).toBe(1);
    await t.api('PATCH', `${flags}/flag-12`, [{ op: 'replace', path: '/archived', value: false }]);
  });

  it('shows the parameters in the OpenAPI document', async () => {
    const doc = (await t.api('GET', '/api/v2/openapi.json')).body;
    const names = (path: string) =>
      (doc.paths[path].get.parameters as { name: string; in: string }[])
        .filter((p) => p.in === 'query')
        .map((p) => p.name);
    expect(names('/api/v2/flags/{projectKey}')).toEqual(
      expect.arrayContaining([
        'limit',
        'offset',
        'filter',
        'sort',
        'summary',
        'expand',
        'compare',
        'env',
        'tag',
      ]),
    );
    for (const path of [
      '/api/v2/projects',
      '/api/v2/members',
      '/api/v2/segments/{projectKey}/{envKey}',
      '/api/v2/metrics/{projectKey}',
    ]) {
      expect(names(path)).toEqual(expect.arrayContaining(['limit', 'offset', 'filter', 'sort']));
    }
    expect(names('/api/v2/roles')).toEqual(expect.arrayContaining(['limit', 'offset']));
    expect(names('/api/v2/tokens')).toEqual(expect.arrayContaining(['limit', 'offset', 'showAll']));
  });
});

describe('the other lists', () => {
  beforeAll(async () => {
    for (const [key, tags] of [
      ['mobile', ['apps']],
      ['web-app', ['apps', 'web']],
      ['internal', []],
    ] as const) {
      expect((await t.api('POST', '/api/v2/projects', { key, name: `Project ${key}`, tags })).status).toBe(
        201,
      );
    }
    for (const [key, name] of [
      ['staging', 'Staging'],
      ['qa', 'QA'],
    ]) {
      const res = await t.api('POST', '/api/v2/projects/default/environments', {
        key,
        name,
        color: '00ff00',
        tags: ['pre'],
      });
      expect(res.status).toBe(201);
    }
    const invites = await t.api('POST', '/api/v2/members', [
      { email: 'dana@example.com', role: 'writer' },
      { email: 'bo@example.com', role: 'reader' },
      { email: 'cy@example.com', role: 'admin' },
    ]);
    expect(invites.status).toBe(201);
    for (const key of ['alpha', 'beta', 'gamma']) {
      const seg = await t.api('POST', '/api/v2/segments/default/production', {
        key,
        name: `Segment ${key}`,
        tags: key === 'gamma' ? [] : ['vip'],
      });
      expect(seg.status).toBe(201);
      const metric = await t.api('POST', '/api/v2/metrics/default', {
        key: `m-${key}`,
        name: `Metric ${key}`,
        kind: key === 'gamma' ? 'pageview' : 'custom',
        ...(key === 'gamma' ? { urls: [{ kind: 'exact', url: 'https://example.com/' }] } : { eventKey: key }),
        tags: key === 'beta' ? ['a', 'b'] : ['a'],
      });
      expect(metric.status).toBe(201);
      const role = await t.api('POST', '/api/v2/roles', {
        key: `role-${key}`,
        name: `Role ${key}`,
        policy: [{ effect: 'allow', actions: ['*'], resources: ['proj/*'] }],
      });
      expect(role.status).toBe(201);
      const token = await t.api('POST', '/api/v2/tokens', { name: `token ${key}`, role: 'reader' });
      expect(token.status).toBe(201);
    }
  }, 60_000);

  it.each([
    ['/api/v2/projects', 4],
    ['/api/v2/projects/default/environments', 4],
    ['/api/v2/members', 4],
    ['/api/v2/segments/default/production', 3],
    ['/api/v2/metrics/default', 3],
    ['/api/v2/roles', 3],
    // The test's own admin token, and three more.
    ['/api/v2/tokens', 4],
  ])('%s pages one at a time with totalCount and links', async (url, count) => {
    const first = await page(`${url}?limit=1`);
    expect(first.totalCount).toBe(count);
    expect(first.items).toHaveLength(1);
    const { keys, pages } = await followNext(`${url}?limit=1`);
    expect(pages).toBe(count);
    expect(new Set(keys).size).toBe(count);
    expect((await page(`${url}?limit=2&offset=${count}`)).items).toEqual([]);
    expect((await refused(`${url}?limit=1000`)).pointer).toBe('query /limit');
  });

  it('filters and sorts projects', async () => {
    const keys = async (q: string) => (await page(`/api/v2/projects?${q}`)).items.map((i) => i.key);
    expect(await keys('filter=tags:apps')).toEqual(['mobile', 'web-app']);
    expect(await keys(`filter=${encodeURIComponent('tags:apps+web')}`)).toEqual(['web-app']);
    expect(await keys('filter=keys:internal|mobile')).toEqual(['mobile', 'internal']);
    expect(await keys('filter=query:WEB')).toEqual(['web-app']);
    expect(await keys('sort=-name')).toEqual(['web-app', 'mobile', 'internal', 'default']);
    expect((await refused('/api/v2/projects?filter=owner:me')).message).toContain(
      'unknown filter field "owner"',
    );
  });

  it('filters and sorts environments', async () => {
    const base = '/api/v2/projects/default/environments';
    expect((await page(`${base}?filter=tags:pre&sort=name`)).items.map((i) => i.key)).toEqual([
      'qa',
      'staging',
    ]);
    expect((await page(`${base}?filter=query:stag`)).items.map((i) => i.key)).toEqual(['staging']);
  });

  it('filters members by query, role, email and lastSeen and sorts by displayName', async () => {
    const emails = async (q: string) =>
      (await page(`/api/v2/members?${q}`)).items.map((i) => (i as unknown as { email: string }).email);
    expect(await emails('filter=query:DANA')).toEqual(['dana@example.com']);
    expect(await emails(`filter=${encodeURIComponent('role:reader|writer')}&sort=displayName`)).toEqual([
      'bo@example.com',
      'dana@example.com',
    ]);
    // Owner counts as admin.
    expect((await emails('filter=role:admin')).length).toBe(2);
    expect(await emails('filter=email:bo@example.com')).toEqual(['bo@example.com']);
    expect(
      (await emails(`filter=${encodeURIComponent('lastSeen:{"never":true}')}`)).length,
    ).toBeGreaterThanOrEqual(3);
    expect((await refused('/api/v2/members?filter=team:ops')).message).toBe(
      'filter field "team" is not supported by Switchboard',
    );
    expect((await refused('/api/v2/members?sort=shoeSize')).pointer).toBe('query /sort');
  });

  it('filters segments and metrics with LaunchDarkly’s operator grammar', async () => {
    const keys = async (url: string, filter: string) =>
      (await page(`${url}?filter=${encodeURIComponent(filter)}`)).items.map((i) => i.key);
    const segments = '/api/v2/segments/default/production';
    expect(await keys(segments, 'tags anyOf ["vip"]')).toEqual(['alpha', 'beta']);
    expect(await keys(segments, 'query equals "GAM"')).toEqual(['gamma']);
    expect(await keys(segments, 'excludedKeys anyOf ["alpha"],tags anyOf ["vip"]')).toEqual(['beta']);
    expect(await keys(segments, 'unbounded equals true')).toEqual([]);
    expect((await page(`${segments}?sort=-name`)).items.map((i) => i.key)).toEqual([
      'gamma',
      'beta',
      'alpha',
    ]);
    const renamed = await t.api('PATCH', `${segments}/alpha`, [
      { op: 'replace', path: '/name', value: 'Segment alpha 2' },
    ]);
    expect(renamed.status).toBe(200);
    expect((await page(`${segments}?sort=-lastModified`)).items[0]?.key).toBe('alpha');
    expect((await page(`${segments}?sort=lastModified`)).items[2]?.key).toBe('alpha');
    expect((await refused(`${segments}?filter=${encodeURIComponent('tags equals "vip"')}`)).message).toBe(
      'filter field "tags" takes anyOf, not equals',
    );
    const metrics = '/api/v2/metrics/default';
    expect(await keys(metrics, 'tags contains ["a","b"]')).toEqual(['m-beta']);
    expect(await keys(metrics, 'eventKind equals "pageview"')).toEqual(['m-gamma']);
    expect(await keys(metrics, 'isNumeric equals false')).toHaveLength(3);
    expect((await refused(`${metrics}?limit=51`)).pointer).toBe('query /limit');
    expect(
      (await refused(`${metrics}?filter=${encodeURIComponent('hasConnections equals true')}`)).message,
    ).toBe('filter field "hasConnections" is not supported by Switchboard');
  });
});
