import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';
import { customRole, owner, type Someone, someone } from './security-kit.js';

// Issue 13, finding 4: a role limited to one project got 403 on another project's flags but read
// their full before/after documents through the audit log, its search and the filter preview.

let t: TestSwitchboard;
let limited: Someone;
let secretEntry: string;

beforeAll(async () => {
  t = await startTestSwitchboard();
  for (const key of ['default', 'secret']) await t.api('POST', '/api/v2/projects', { key, name: key });
  await t.api('POST', '/api/v2/flags/default', { key: 'banner', name: 'Banner' });
  await t.api('POST', '/api/v2/flags/secret', { key: 'acquisition', name: 'Project Falcon acquisition' });
  await t.api('PATCH', '/api/v2/flags/secret/acquisition', [
    { op: 'replace', path: '/description', value: 'Buying Falcon Corp for $2B' },
  ]);
  const latest = await t.api('GET', '/api/v2/auditlog?limit=1', undefined, owner);
  secretEntry = latest.body.items[0]._id;
  await customRole(t, 'default-only', [
    { effect: 'allow', resources: ['proj/default'], actions: ['viewProject'] },
    { effect: 'allow', resources: ['proj/default:env/*:flag/*'], actions: ['*'] },
  ]);
  limited = await someone(t, 'lim', 'no_access', ['default-only']);
}, 60_000);
afterAll(async () => {
  await t.close();
});

const leaks = (body: unknown) => JSON.stringify(body).includes('Falcon');

describe('finding 4: the audit log shows only what the reader may view', () => {
  it('the project itself is refused, as before', async () => {
    expect((await t.api('GET', '/api/v2/flags/secret', undefined, limited.headers)).status).toBe(403);
  });

  it('GET /auditlog (with and without spec, and with a search) hides the other project', async () => {
    for (const url of [
      '/api/v2/auditlog?limit=20',
      `/api/v2/auditlog?limit=20&spec=${encodeURIComponent('proj/secret:env/*:flag/*')}`,
      '/api/v2/auditlog?limit=20&q=falcon',
    ]) {
      const res = await t.api('GET', url, undefined, limited.headers);
      expect(res.status).toBe(200);
      expect(leaks(res.body), url).toBe(false);
    }
    const own = await t.api('GET', '/api/v2/auditlog?limit=20&q=banner', undefined, limited.headers);
    expect(own.body.items.length).toBeGreaterThan(0);
  });

  it('GET /auditlog/{id} of another project is a 404', async () => {
    const res = await t.api('GET', `/api/v2/auditlog/${secretEntry}`, undefined, limited.headers);
    expect(res.status).toBe(404);
    expect(leaks(res.body)).toBe(false);
    expect((await t.api('GET', `/api/v2/auditlog/${secretEntry}`, undefined, owner)).status).toBe(200);
  });

  it('POST /auditlog with statements hides it too', async () => {
    const res = await t.api(
      'POST',
      '/api/v2/auditlog?limit=20',
      [{ effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['*'] }],
      limited.headers,
    );
    expect(res.status).toBe(200);
    expect(leaks(res.body)).toBe(false);
  });

  it('the filter preview of an integration hides it too', async () => {
    // Whoever may preview: here the owner's rights, seen through a role that only views default.
    await customRole(t, 'integrations-default', [
      { effect: 'allow', resources: ['proj/default'], actions: ['viewProject'] },
      { effect: 'allow', resources: ['integration/*'], actions: ['*'] },
    ]);
    const ops = await someone(t, 'ops', 'no_access', ['integrations-default']);
    const res = await t.api('POST', '/api/v2/integrations/hipchat/preview', {}, ops.headers);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.scanned).toBeGreaterThan(0);
    expect(leaks(res.body)).toBe(false);
    const full = await t.api('POST', '/api/v2/integrations/hipchat/preview', {}, owner);
    expect(leaks(full.body)).toBe(true);
  });

  it("another member's token entries are theirs and the admins' to read", async () => {
    const res = await t.api('GET', '/api/v2/auditlog?limit=20&q=token', undefined, limited.headers);
    const tokenEntries = res.body.items.filter((e: { kind: string }) => e.kind === 'token');
    expect(tokenEntries.length).toBeGreaterThan(0);
    for (const entry of tokenEntries) expect(entry.accesses[0].resource).toContain(`member/${limited.id}:`);
  });

  it('an integration or webhook of a limited role hears only the projects it may view', async () => {
    const ops = {
      authorization: (await someone(t, 'ops2', 'no_access', ['integrations-default'])).headers.authorization,
    };
    const config = { room: 'Ops', token: 'room-token-0123456789' };
    const everything = await t.api('POST', '/api/v2/integrations/hipchat', { name: 'All', config }, ops);
    expect(everything.status, JSON.stringify(everything.body)).toBe(403);
    expect(everything.body.message).toContain('projects you may not view');
    const other = await t.api(
      'POST',
      '/api/v2/integrations/hipchat',
      {
        name: 'Secret',
        config,
        statements: [{ effect: 'allow', resources: ['proj/secret:env/*:flag/*'], actions: ['*'] }],
      },
      ops,
    );
    expect(other.status).toBe(403);
    const mine = await t.api(
      'POST',
      '/api/v2/integrations/hipchat',
      {
        name: 'Mine',
        config,
        statements: [{ effect: 'allow', resources: ['proj/default:env/*:flag/*'], actions: ['*'] }],
      },
      ops,
    );
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    const widen = await t.api(
      'PATCH',
      `/api/v2/integrations/hipchat/${mine.body._id}`,
      [{ op: 'replace', path: '/statements', value: [] }],
      ops,
    );
    expect(widen.status).toBe(403);
    const webhook = await t.api(
      'POST',
      '/api/v2/webhooks',
      { name: 'w', url: 'https://hooks.example.com/x' },
      ops,
    );
    expect(webhook.status).toBe(403);
    expect(webhook.body.message).toContain('projects you may not view');
  });
});
