import {
  AccessTokensApi,
  AccountMembersApi,
  CustomRolesApi,
  EnvironmentsApi,
  FeatureFlagsApi,
  MetricsApi,
  ProjectsApi,
  SegmentsApi,
} from 'launchdarkly-api-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectModel, type LdClientKit, startLdClientKit } from './ld-client-kit.js';

/**
 * Issue 16, item 1, as a migrating team's script pages through lists with LaunchDarkly's
 * official client: limit/offset until the list is done, `_links.next` and `totalCount`, the
 * documented filters and sorts, and each page checked against the client's collection model.
 * SQLite and (vitest.postgres.config.ts) PostgreSQL.
 */

let kit: LdClientKit;
let flags: FeatureFlagsApi;

/** What a script does: ask page after page with limit/offset until a short or empty page. */
async function pageAll<T>(
  fetch: (
    limit: number,
    offset: number,
  ) => Promise<{ status: number; data: { items?: T[]; totalCount?: number } }>,
  limit: number,
  check: (data: unknown) => void,
): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += limit) {
    const res = await fetch(limit, offset);
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    check(res.data);
    const items = res.data.items ?? [];
    all.push(...items);
    if (items.length < limit) return all;
    expect(offset).toBeLessThan(1_000);
  }
}

beforeAll(async () => {
  kit = await startLdClientKit();
  flags = kit.api(FeatureFlagsApi);
  const projects = kit.api(ProjectsApi);
  for (const key of ['shop', 'ops', 'docs']) {
    expect(
      (await projects.postProject({ key, name: `Project ${key}`, tags: key === 'docs' ? [] : ['team'] }))
        .status,
    ).toBe(201);
  }
  for (let i = 0; i < 12; i++) {
    const res = await flags.postFeatureFlag('shop', {
      key: `flag-${String(i).padStart(2, '0')}`,
      name: i === 4 ? 'Dark mode' : `Flag ${i}`,
      tags: i % 3 === 0 ? ['beta'] : [],
      temporary: i % 2 === 0,
    });
    expect(res.status, JSON.stringify(res.data)).toBe(201);
  }
  for (const key of ['vip', 'staff']) {
    const res = await kit
      .api(SegmentsApi)
      .postSegment('shop', 'production', { key, name: key, tags: ['people'] });
    expect(res.status).toBe(201);
  }
  for (const key of ['signups', 'checkouts']) {
    const res = await kit
      .api(MetricsApi)
      .postMetric('shop', { key, name: key, kind: 'custom', eventKey: key });
    expect(res.status, JSON.stringify(res.data)).toBe(201);
  }
  expect(
    (
      await kit.api(AccountMembersApi).postMembers([
        { email: 'ops@example.com', role: 'writer' },
        { email: 'qa@example.com', role: 'reader' },
      ])
    ).status,
  ).toBe(201);
  for (const key of ['deployer', 'auditor']) {
    const res = await kit.api(CustomRolesApi).postCustomRole({
      key,
      name: key,
      policy: [{ effect: 'allow', actions: ['*'], resources: ['proj/*'] }],
    });
    expect(res.status).toBe(201);
  }
  expect((await kit.api(AccessTokensApi).postToken({ name: 'ci', role: 'reader' })).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await kit?.close();
});

describe('getFeatureFlags', () => {
  it('pages with limit and offset, with totalCount and next links', async () => {
    const all = await pageAll(
      (limit, offset) => flags.getFeatureFlags('shop', undefined, undefined, limit, offset),
      5,
      (data) => expectModel('FeatureFlags', data),
    );
    expect(all.map((f) => f.key)).toEqual(
      Array.from({ length: 12 }, (_, i) => `flag-${String(i).padStart(2, '0')}`),
    );
    const first = await flags.getFeatureFlags('shop', undefined, undefined, 5, 0);
    expect(first.data.totalCount).toBe(12);
    expect(first.data._links.next?.href).toContain('offset=5');
    expect(first.data._links.first).toBeUndefined();
  });

  it('filters, sorts and answers summaries as the client asks for them', async () => {
    const dark = await flags.getFeatureFlags(
      'shop',
      'production',
      undefined,
      20,
      0,
      undefined,
      undefined,
      'query:dark',
    );
    expect(dark.data.items.map((f) => f.key)).toEqual(['flag-04']);
    expectModel('FeatureFlags', dark.data);
    const beta = await flags.getFeatureFlags(
      'shop',
      undefined,
      undefined,
      20,
      0,
      undefined,
      undefined,
      'tags:beta,type:permanent',
    );
    expect(beta.data.items.map((f) => f.key)).toEqual(['flag-03', 'flag-09']);
    const sorted = await flags.getFeatureFlags(
      'shop',
      undefined,
      undefined,
      2,
      0,
      undefined,
      undefined,
      undefined,
      '-key',
    );
    expect(sorted.data.items.map((f) => f.key)).toEqual(['flag-11', 'flag-10']);
    const full = await flags.getFeatureFlags('shop', 'production', undefined, 1, 0, undefined, false);
    expect(full.data.items[0]?.environments?.production?.rules).toEqual([]);
    expectModel('FeatureFlags', full.data);
    const summary = await flags.getFeatureFlags('shop', 'production', undefined, 1, 0, undefined, true);
    expect(summary.data.items[0]?.environments?.production).not.toHaveProperty('rules');
  });

  it('refuses what it does not offer with a 400 naming it', async () => {
    const unknown = await flags.getFeatureFlags(
      'shop',
      undefined,
      undefined,
      20,
      0,
      undefined,
      undefined,
      'codeReferences.min:1',
    );
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.data)).toContain('codeReferences.min');
    const compare = await flags.getFeatureFlags(
      'shop',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      true,
    );
    expect(compare.status).toBe(400);
    const tooMany = await flags.getFeatureFlags('shop', undefined, undefined, 500);
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.data)).toContain('limit');
  });
});

describe('the other lists through the client', () => {
  it('getProjects pages, filters and sorts', async () => {
    const projects = kit.api(ProjectsApi);
    const all = await pageAll(
      (limit, offset) => projects.getProjects(limit, offset),
      1,
      (d) => expectModel('Projects', d),
    );
    expect(all.map((p) => p.key)).toEqual(['shop', 'ops', 'docs']);
    const team = await projects.getProjects(10, 0, 'tags:team', '-name');
    expect(team.data.items.map((p) => p.key)).toEqual(['shop', 'ops']);
    expectModel('Projects', team.data);
  });

  it('getEnvironmentsByProject pages and sorts', async () => {
    const envs = kit.api(EnvironmentsApi);
    const all = await pageAll(
      (limit, offset) => envs.getEnvironmentsByProject('shop', limit, offset),
      1,
      (d) => expectModel('Environments', d),
    );
    expect(all.map((e) => e.key).sort()).toEqual(['production', 'test']);
    const byName = await envs.getEnvironmentsByProject('shop', 10, 0, 'query:prod', 'name');
    expect(byName.data.items.map((e) => e.key)).toEqual(['production']);
  });

  it('getMembers pages, filters by role and sorts by displayName', async () => {
    const members = kit.api(AccountMembersApi);
    const all = await pageAll(
      (limit, offset) => members.getMembers(limit, offset),
      2,
      (d) => expectModel('Members', d),
    );
    expect(all).toHaveLength(3);
    const readers = await members.getMembers(10, 0, 'role:reader|writer', undefined, 'displayName');
    expect(readers.data.items.map((m) => m.email)).toEqual(['ops@example.com', 'qa@example.com']);
    expect(readers.data.totalCount).toBe(2);
  });

  it('getTokens, getCustomRoles, getSegments and getMetrics page with limit and offset', async () => {
    const tokens = await pageAll(
      (limit, offset) => kit.api(AccessTokensApi).getTokens(undefined, limit, offset),
      1,
      (d) => expectModel('Tokens', d),
    );
    expect(tokens.map((t) => t.name)).toContain('ci');
    const roles = await pageAll(
      (limit, offset) => kit.api(CustomRolesApi).getCustomRoles(limit, offset),
      1,
      (d) => expectModel('CustomRoles', d),
    );
    expect(roles.map((r) => r.key)).toEqual(['deployer', 'auditor']);
    const segments = await pageAll(
      (limit, offset) => kit.api(SegmentsApi).getSegments('shop', 'production', limit, offset, 'name'),
      1,
      (d) => expectModel('UserSegments', d),
    );
    expect(segments.map((s) => s.key)).toEqual(['staff', 'vip']);
    const tagged = await kit
      .api(SegmentsApi)
      .getSegments('shop', 'production', 10, 0, undefined, 'tags anyOf ["people"],query equals "vi"');
    expect(tagged.data.items.map((s) => s.key)).toEqual(['vip']);
    const metrics = await pageAll(
      (limit, offset) => kit.api(MetricsApi).getMetrics('shop', undefined, limit, offset, 'name'),
      1,
      (d) => expectModel('MetricCollectionRep', d),
    );
    expect(metrics.map((m) => m.key)).toEqual(['checkouts', 'signups']);
    const tooMany = await kit.api(MetricsApi).getMetrics('shop', undefined, 51);
    expect(tooMany.status).toBe(400);
  });
});
