import {
  AccessTokensApi,
  AccountMembersApi,
  EnvironmentsApi,
  FeatureFlagsApi,
  MetricsApi,
  OtherApi,
  ProjectsApi,
  SegmentsApi,
} from 'launchdarkly-api-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectModel, type LdClientKit, startLdClientKit } from './ld-client-kit.js';

// Issue 16, items 9 and 10, through LaunchDarkly's official client as a migrating script calls
// it: the root, the caller's member, a token reset with no body, a duplicate invitation, the
// rate-limit headers, updates of members and projects, and every delete.

let kit: LdClientKit;

beforeAll(async () => {
  kit = await startLdClientKit();
  expect((await kit.api(ProjectsApi).postProject({ key: 'shop', name: 'Shop' })).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await kit.close();
});

describe('conventions through the official client', () => {
  it('reads the root and the caller, with LaunchDarkly’s rate-limit headers', async () => {
    const root = await kit.api(OtherApi).getRoot();
    expect(root.status).toBe(200);
    expectModel('RootResponse', root.data);
    expect(Number(root.headers['x-ratelimit-global-remaining'])).toBeGreaterThan(0);
    expect(Number(root.headers['x-ratelimit-route-remaining'])).toBeGreaterThan(0);
    expect(Number(root.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() - 1_000);

    const me = await kit.api(AccountMembersApi).getMember('me');
    expect(me.status).toBe(200);
    expectModel('Member', me.data);
    expect(me.data).toMatchObject({ email: 'ariel@acme.com', role: 'owner' });
  });

  it('resets a token as the client sends it (no body), answering a new secret once', async () => {
    const tokens = kit.api(AccessTokensApi);
    const created = await tokens.postToken({ name: 'CI', role: 'reader' });
    expect(created.status).toBe(201);
    const reset = await tokens.resetToken(created.data._id);
    expect(reset.status).toBe(200);
    expectModel('Token', reset.data);
    expect(reset.data.token).toMatch(/^api-/);
    expect(reset.data.token).not.toBe(created.data.token);
    // The old secret is gone; the new one reads as a reader.
    expect((await kit.api(ProjectsApi, created.data.token as string).getProjects()).status).toBe(401);
    expect((await kit.api(ProjectsApi, reset.data.token as string).getProjects()).status).toBe(200);
  });

  it('answers a duplicate invitation with LaunchDarkly’s 400', async () => {
    const members = kit.api(AccountMembersApi);
    const first = await members.postMembers([{ email: 'nat@acme.com', role: 'reader' }]);
    expect(first.status).toBe(201);
    expectModel('Members', first.data);
    const again = await members.postMembers([{ email: 'nat@acme.com', role: 'reader' }]);
    expect(again.status).toBe(400);
    expect((again.data as unknown as { code: string }).code).toBe('email_already_exists_in_account');
  });

  it('updates a member and a project by JSON patch, in the shapes the models declare', async () => {
    const members = kit.api(AccountMembersApi);
    const invited = await members.postMembers([{ email: 'kim@acme.com', role: 'reader' }]);
    const id = invited.data.items[0]?._id as string;
    const member = await members.patchMember(id, [{ op: 'replace', path: '/role', value: 'writer' }]);
    expect(member.status).toBe(200);
    expectModel('Member', member.data);
    expect(member.data.role).toBe('writer');

    const project = await kit
      .api(ProjectsApi)
      .patchProject('shop', [{ op: 'replace', path: '/name', value: 'Shop front' }]);
    expect(project.status).toBe(200);
    expectModel('ProjectRep', project.data);
    expect(project.data.name).toBe('Shop front');
  });

  it('deletes each kind of resource with 204, after which it is a 404', async () => {
    const flags = kit.api(FeatureFlagsApi);
    const segments = kit.api(SegmentsApi);
    const metrics = kit.api(MetricsApi);
    const environments = kit.api(EnvironmentsApi);
    const tokens = kit.api(AccessTokensApi);
    const members = kit.api(AccountMembersApi);
    expect((await flags.postFeatureFlag('shop', { key: 'gone', name: 'Gone' })).status).toBe(201);
    expect((await segments.postSegment('shop', 'test', { key: 'beta', name: 'Beta' })).status).toBe(201);
    expect(
      (await metrics.postMetric('shop', { key: 'clicks', kind: 'custom', eventKey: 'click' })).status,
    ).toBe(201);
    expect(
      (await environments.postEnvironment('shop', { key: 'staging', name: 'Staging', color: 'aabbcc' }))
        .status,
    ).toBe(201);
    const token = await tokens.postToken({ name: 'Old', role: 'reader' });
    const invited = await members.postMembers([{ email: 'lee@acme.com', role: 'reader' }]);
    const memberId = invited.data.items[0]?._id as string;

    expect((await flags.deleteFeatureFlag('shop', 'gone')).status).toBe(204);
    expect((await flags.getFeatureFlag('shop', 'gone')).status).toBe(404);
    expect((await segments.deleteSegment('shop', 'test', 'beta')).status).toBe(204);
    expect((await segments.getSegment('shop', 'test', 'beta')).status).toBe(404);
    expect((await metrics.deleteMetric('shop', 'clicks')).status).toBe(204);
    expect((await metrics.getMetric('shop', 'clicks')).status).toBe(404);
    expect((await environments.deleteEnvironment('shop', 'staging')).status).toBe(204);
    expect((await environments.getEnvironment('shop', 'staging')).status).toBe(404);
    expect((await tokens.deleteToken(token.data._id)).status).toBe(204);
    expect((await tokens.getToken(token.data._id)).status).toBe(404);
    expect((await members.deleteMember(memberId)).status).toBe(204);
    expect((await members.getMember(memberId)).status).toBe(404);
    expect((await kit.api(ProjectsApi).deleteProject('shop')).status).toBe(204);
    expect((await kit.api(ProjectsApi).getProject('shop')).status).toBe(404);
  });
});
