import axios from 'axios';
import {
  AccessTokensApi,
  AccountMembersApi,
  AuditLogApi,
  CustomRolesApi,
  EnvironmentsApi,
  FeatureFlagsApi,
  MetricsApi,
  ProjectsApi,
  SegmentsApi,
} from 'launchdarkly-api-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken } from '../../helpers/test-switchboard.js';
import { expectModel, type LdClientKit, startLdClientKit } from './ld-client-kit.js';

// Issue 16, items 3 to 7, as a team migrating its LaunchDarkly scripts meets them: every resource
// kind created and read through the official client, each answer checked against the client's
// own model (every property it marks required, of its declared type), with true values.

let kit: LdClientKit;
const http = axios.create({ validateStatus: () => true });
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

beforeAll(async () => {
  kit = await startLdClientKit();
  const project = await kit.api(ProjectsApi).postProject({ key: 'shop', name: 'Shop', tags: ['web'] });
  expect(project.status).toBe(201);
  expectModel('ProjectRep', project.data);
}, 60_000);
afterAll(async () => {
  await kit.close();
});

async function count(table: 'audit_entries' | 'deliveries'): Promise<number> {
  return (await kit.t.switchboard.database.db.selectFrom(table).select('id').execute()).length;
}

describe('projects (item 6)', () => {
  it('getProject leaves environments out, and pages them with expand=environments', async () => {
    const plain = await kit.api(ProjectsApi).getProject('shop');
    expect(plain.status).toBe(200);
    expectModel('Project', plain.data);
    expect(plain.data.environments).toBeUndefined();

    const expanded = await kit.api(ProjectsApi).getProject('shop', 'environments');
    expectModel('Project', expanded.data);
    expect(expanded.data.environments?.totalCount).toBe(2);
    expect(expanded.data.environments?.items.map((e) => e.key)).toEqual(['production', 'test']);
    for (const env of expanded.data.environments?.items ?? []) expectModel('Environment', env);

    const list = await kit
      .api(ProjectsApi)
      .getProjects(undefined, undefined, undefined, undefined, 'environments');
    expect(list.status).toBe(200);
    expectModel('Projects', list.data);
    expect(list.data.items[0]?.environments?.items).toHaveLength(2);
  });

  it('takes a JSON merge patch as application/merge-patch+json', async () => {
    const res = await http.patch(
      `${kit.baseUrl}/api/v2/projects/shop`,
      { name: 'Shop (EU)' },
      { headers: { authorization: adminToken, 'content-type': 'application/merge-patch+json' } },
    );
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expectModel('ProjectRep', res.data);
    expect((await kit.api(ProjectsApi).getProject('shop')).data.name).toBe('Shop (EU)');
  });
});

describe('environments (item 7: critical)', () => {
  it('creates a critical environment and reads every environment with critical', async () => {
    const created = await kit
      .api(EnvironmentsApi)
      .postEnvironment('shop', { key: 'live', name: 'Live', color: '00AA00', critical: true });
    expect(created.status, JSON.stringify(created.data)).toBe(201);
    expectModel('Environment', created.data);
    expect(created.data.critical).toBe(true);
    const test = await kit.api(EnvironmentsApi).getEnvironment('shop', 'test');
    expectModel('Environment', test.data);
    expect(test.data.critical).toBe(false);
    const patched = await kit
      .api(EnvironmentsApi)
      .patchEnvironment('shop', 'test', [{ op: 'replace', path: '/critical', value: true }]);
    expect(patched.data.critical).toBe(true);
    const list = await kit.api(EnvironmentsApi).getEnvironmentsByProject('shop');
    expectModel('Environments', list.data);
  });
});

describe('feature flags (items 4, 5 and 7)', () => {
  it('creates and reads a flag that is a FeatureFlag, with experiments, archived, sel and lastModified', async () => {
    const created = await kit
      .api(FeatureFlagsApi)
      .postFeatureFlag('shop', { key: 'checkout', name: 'Checkout' });
    expect(created.status, JSON.stringify(created.data)).toBe(201);
    expectModel('FeatureFlag', created.data);
    expect(created.data.experiments).toEqual({ baselineIdx: 0, items: [] });
    const read = await kit.api(FeatureFlagsApi).getFeatureFlag('shop', 'checkout');
    expectModel('FeatureFlag', read.data);
    const production = read.data.environments?.production;
    expect(production).toMatchObject({ archived: false, version: 1 });

    await tick();
    const patched = await kit.api(FeatureFlagsApi).patchFeatureFlag('shop', 'checkout', {
      patch: [{ op: 'replace', path: '/environments/production/on', value: true }],
      comment: 'launch',
    });
    expect(patched.status).toBe(200);
    expectModel('FeatureFlag', patched.data);
    const after = patched.data.environments?.production;
    expect(after?.lastModified).toBeGreaterThan(production?.lastModified ?? Infinity);
    expect(after?.sel).not.toBe(production?.sel);
    // An environment the change did not touch keeps its selector and its date.
    expect(patched.data.environments?.test).toMatchObject({
      sel: read.data.environments?.test?.sel,
      lastModified: read.data.environments?.test?.lastModified,
    });

    const archived = await kit.api(FeatureFlagsApi).patchFeatureFlag('shop', 'checkout', {
      patch: [{ op: 'replace', path: '/archived', value: true }],
    });
    expect(archived.data.environments?.production?.archived).toBe(true);
    const list = await kit
      .api(FeatureFlagsApi)
      .getFeatureFlags('shop', undefined, undefined, undefined, undefined, true);
    expectModel('FeatureFlags', list.data);
  });

  it('dryRun=true answers the would-be flag and changes nothing, audit and deliveries included', async () => {
    await kit.api(FeatureFlagsApi).postFeatureFlag('shop', { key: 'banner', name: 'Banner' });
    const before = (await kit.api(FeatureFlagsApi).getFeatureFlag('shop', 'banner')).data;
    const [audits, deliveries] = [await count('audit_entries'), await count('deliveries')];
    const dry = await kit
      .api(FeatureFlagsApi)
      .patchFeatureFlag(
        'shop',
        'banner',
        { patch: [{ op: 'replace', path: '/environments/production/on', value: true }] },
        undefined,
        { params: { dryRun: true } },
      );
    expect(dry.status, JSON.stringify(dry.data)).toBe(200);
    expectModel('FeatureFlag', dry.data);
    expect(dry.data.environments?.production?.on).toBe(true);
    expect((await kit.api(FeatureFlagsApi).getFeatureFlag('shop', 'banner')).data).toEqual(before);
    expect(await count('audit_entries')).toBe(audits);
    expect(await count('deliveries')).toBe(deliveries);

    const invalid = await kit
      .api(FeatureFlagsApi)
      .patchFeatureFlag(
        'shop',
        'banner',
        { patch: [{ op: 'replace', path: '/environments/production/offVariation', value: 9 }] },
        undefined,
        { params: { dryRun: true } },
      );
    expect(invalid.status).toBe(400);
  });

  it('takes a JSON merge patch through patchFeatureFlag and as application/merge-patch+json', async () => {
    const merged = await kit.api(FeatureFlagsApi).patchFeatureFlag('shop', 'banner', {
      merge: { description: 'Top banner', environments: { test: { on: true } } },
      comment: 'merge',
    } as never);
    expect(merged.status, JSON.stringify(merged.data)).toBe(200);
    expectModel('FeatureFlag', merged.data);
    expect(merged.data).toMatchObject({ description: 'Top banner', environments: { test: { on: true } } });

    const raw = await http.patch(
      `${kit.baseUrl}/api/v2/flags/shop/banner`,
      { tags: ['ui'] },
      { headers: { authorization: adminToken, 'content-type': 'application/merge-patch+json' } },
    );
    expect(raw.status, JSON.stringify(raw.data)).toBe(200);
    expect(raw.data.tags).toEqual(['ui']);
    expect(raw.data.description).toBe('Top banner');

    const readOnly = await http.patch(
      `${kit.baseUrl}/api/v2/flags/shop/banner`,
      { key: 'other' },
      { headers: { authorization: adminToken, 'content-type': 'application/merge-patch+json' } },
    );
    expect(readOnly.status).toBe(400);
  });
});

describe('segments and metrics (item 7)', () => {
  it('a segment is a UserSegment whose version and lastModifiedDate move with a change', async () => {
    const created = await kit
      .api(SegmentsApi)
      .postSegment('shop', 'production', { key: 'beta', name: 'Beta' });
    expect(created.status, JSON.stringify(created.data)).toBe(201);
    expectModel('UserSegment', created.data);
    expect(created.data).toMatchObject({ version: 1, deleted: false, generation: 1 });
    await tick();
    const patched = await kit.api(SegmentsApi).patchSegment('shop', 'production', 'beta', {
      patch: [{ op: 'replace', path: '/description', value: 'Beta testers' }],
    });
    expect(patched.status).toBe(200);
    expectModel('UserSegment', patched.data);
    expect(patched.data.version).toBe(2);
    expect(patched.data.lastModifiedDate).toBeGreaterThan(created.data.lastModifiedDate);
    expect(patched.data.creationDate).toBe(created.data.creationDate);
    expectModel('UserSegment', (await kit.api(SegmentsApi).getSegment('shop', 'production', 'beta')).data);
    expectModel('UserSegments', (await kit.api(SegmentsApi).getSegments('shop', 'production')).data);
  });

  it('a metric is a MetricRep whose _versionId changes with it', async () => {
    const created = await kit.api(MetricsApi).postMetric('shop', {
      key: 'signups',
      name: 'Signups',
      kind: 'custom',
      eventKey: 'signup',
      isNumeric: false,
    });
    expect(created.status, JSON.stringify(created.data)).toBe(201);
    expectModel('MetricRep', created.data);
    const read = await kit.api(MetricsApi).getMetric('shop', 'signups');
    expectModel('MetricRep', read.data);
    expect(read.data._versionId).toBe(created.data._versionId);
    // Switchboard's own creationDate, under the name LaunchDarkly's model gives it.
    expect(read.data._creationDate).toBe((created.data as unknown as { creationDate: number }).creationDate);
    const patched = await kit
      .api(MetricsApi)
      .patchMetric('shop', 'signups', [{ op: 'replace', path: '/description', value: 'New accounts' }]);
    expect(patched.status).toBe(200);
    expectModel('MetricRep', patched.data);
    expect(patched.data._versionId).not.toBe(created.data._versionId);
    expectModel('MetricCollectionRep', (await kit.api(MetricsApi).getMetrics('shop')).data);
  });
});

describe('custom roles by _id, members and tokens (items 3 and 7)', () => {
  it('reads, patches and deletes a role by its _id', async () => {
    const created = await kit.api(CustomRolesApi).postCustomRole({
      key: 'spare',
      name: 'Spare',
      policy: [{ effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] }],
    });
    expect(created.status, JSON.stringify(created.data)).toBe(201);
    expectModel('CustomRole', created.data);
    const byId = await kit.api(CustomRolesApi).getCustomRole(created.data._id);
    expect(byId.status).toBe(200);
    expectModel('CustomRole', byId.data);
    expect(byId.data.key).toBe('spare');
    const patched = await kit.api(CustomRolesApi).patchCustomRole(created.data._id, {
      patch: [{ op: 'replace', path: '/name', value: 'Spare role' }],
    });
    expect(patched.status).toBe(200);
    expect(patched.data.name).toBe('Spare role');
    const merged = await kit
      .api(CustomRolesApi)
      .patchCustomRole(created.data._id, { merge: { description: 'Reads projects' } } as never);
    expect(merged.status, JSON.stringify(merged.data)).toBe(200);
    expect(merged.data.description).toBe('Reads projects');
    expectModel('CustomRoles', (await kit.api(CustomRolesApi).getCustomRoles()).data);
    expect((await kit.api(CustomRolesApi).deleteCustomRole(created.data._id)).status).toBe(204);
    expect((await kit.api(CustomRolesApi).getCustomRole('spare')).status).toBe(404);
  });

  it('invites a member and makes a token with a role named by _id; both store and answer its key', async () => {
    const role = await kit.api(CustomRolesApi).postCustomRole({
      key: 'flag-reader',
      name: 'Flag reader',
      policy: [{ effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] }],
    });
    const invited = await kit
      .api(AccountMembersApi)
      .postMembers([{ email: 'dana@acme.com', role: 'no_access', customRoles: [role.data._id] }]);
    expect(invited.status, JSON.stringify(invited.data)).toBe(201);
    expectModel('Members', invited.data);
    const dana = invited.data.items[0];
    expect(dana?.customRoles).toEqual(['flag-reader']);
    expect(dana).toMatchObject({ _verified: false, mfa: 'disabled' });
    const member = await kit.api(AccountMembersApi).getMember(dana?._id ?? '');
    expectModel('Member', member.data);
    const members = await kit.api(AccountMembersApi).getMembers();
    expectModel('Members', members.data);
    const owner = members.data.items.find((m) => m.role === 'owner');
    expect(owner?._verified).toBe(true);

    const token = await kit
      .api(AccessTokensApi)
      .postToken({ name: 'ci', customRoleIds: [role.data._id], description: 'CI' });
    expect(token.status, JSON.stringify(token.data)).toBe(201);
    expectModel('Token', token.data);
    expect(token.data.customRoleIds).toEqual(['flag-reader']);
    expect(token.data.lastModified).toBe(token.data.creationDate);
    await tick();
    const renamed = await kit
      .api(AccessTokensApi)
      .patchToken(token.data._id, [{ op: 'replace', path: '/name', value: 'ci-main' }]);
    expect(renamed.status).toBe(200);
    expectModel('Token', renamed.data);
    expect(renamed.data.lastModified).toBeGreaterThan(token.data.lastModified);
    expectModel('Token', (await kit.api(AccessTokensApi).getToken(token.data._id)).data);
    expectModel('Tokens', (await kit.api(AccessTokensApi).getTokens()).data);
  });
});

describe('the audit log (item 7: _accountId)', () => {
  it('lists and reads entries that carry the account id, the same on every entry', async () => {
    const list = await kit.api(AuditLogApi).getAuditLogEntries();
    expect(list.status).toBe(200);
    expectModel('AuditLogEntryListingRepCollection', list.data);
    const owner = (await kit.api(AccountMembersApi).getMembers()).data.items.find((m) => m.role === 'owner');
    expect(new Set(list.data.items.map((e) => e._accountId))).toEqual(new Set([owner?._id]));
    const one = await kit.api(AuditLogApi).getAuditLogEntry(list.data.items[0]?._id ?? '');
    expect(one.status).toBe(200);
    expectModel('AuditLogEntryRep', one.data);
    expect(one.data._accountId).toBe(owner?._id);
  });
});
