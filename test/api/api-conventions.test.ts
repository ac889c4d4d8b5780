import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { up as rebuildAuditSearch } from '../../migrations/007-audit-search-without-ids.js';
import { acceptInvitation } from '../helpers/invitations.js';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
});
afterEach(async () => {
  await t.close();
});

/** Issue 16, items 9 (root, members/me), 10 (conventions) and 11 (audit search). */
describe('LaunchDarkly REST conventions', () => {
  it('resets a token sent with no body, whatever an HTTP client puts in Content-Type', async () => {
    const token = (await t.api('POST', '/api/v2/tokens', { name: 'CI', role: 'reader' })).body;
    const { app } = t.switchboard;
    const authorization = 'api-test-admin-token-0123456789abcdef';
    const url = `/api/v2/tokens/${token._id}/reset`;
    // No Content-Type at all (Node's http with no body), and axios's form type with an empty body.
    const bare = await app.inject({ method: 'POST', url, headers: { authorization } });
    expect(bare.statusCode).toBe(200);
    const axios = await app.inject({
      method: 'POST',
      url,
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(axios.statusCode).toBe(200);
    const chunked = await app.inject({
      method: 'POST',
      url,
      headers: { authorization, 'transfer-encoding': 'chunked' },
      payload: '',
    });
    expect(chunked.statusCode).toBe(200);
    expect(JSON.parse(axios.body).token).toMatch(/^api-/);
    expect(JSON.parse(axios.body).token).not.toBe(JSON.parse(bare.body).token);
  });

  it('answers 405 with Allow to a method a path does not have, and 404 to an unknown path', async () => {
    const put = await t.api('PUT', '/api/v2/projects', { key: 'p', name: 'P' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expect(put.body.code).toBe('method_not_allowed');
    const onItem = await t.api('POST', '/api/v2/projects/default', { name: 'P' });
    expect(onItem.status).toBe(405);
    expect(onItem.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
    // `me` is a path of its own for GET, and the member by id for the other methods.
    const me = await t.api('PUT', '/api/v2/members/me', {});
    expect(me.headers.allow).toBe('GET, HEAD, PATCH, DELETE');

    const unknown = await t.api('PUT', '/api/v2/nothing-here/at-all', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('not_found');
    expect(unknown.headers.allow).toBeUndefined();
  });

  it('answers 415 to a text/plain body on a JSON route and changes nothing', async () => {
    const before = await snapshot(t);
    const res = await t.api('POST', '/api/v2/projects', JSON.stringify({ key: 'p', name: 'P' }), {
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
    const patch = await t.api('PATCH', '/api/v2/projects/default', '[]', { 'content-type': 'text/plain' });
    expect(patch.status).toBe(415);
    expect(await snapshot(t)).toBe(before);
  });

  it('refuses a duplicate invitation with 400 email_already_exists_in_account', async () => {
    await t.api('POST', '/api/v2/members', [{ email: 'bo@acme.com' }]);
    const again = await t.api('POST', '/api/v2/members', [
      { email: 'new@acme.com' },
      { email: 'Bo@acme.com' },
    ]);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({
      code: 'email_already_exists_in_account',
      message: expect.stringContaining('Bo@acme.com'),
    });
    const owner = await t.api('POST', '/api/v2/members', [{ email: 'ariel@acme.com' }]);
    expect(owner.body.code).toBe('email_already_exists_in_account');
  });

  it('accepts LD-API-Version 20240415, beta or none, and refuses any other with 400', async () => {
    for (const version of ['20240415', 'beta']) {
      const res = await t.api('GET', '/api/v2/projects', undefined, { 'ld-api-version': version });
      expect(res.status, version).toBe(200);
    }
    expect((await t.api('GET', '/api/v2/projects')).status).toBe(200);
    for (const version of ['20191212', '2024-04-15', 'latest', '']) {
      const res = await t.api('GET', '/api/v2/projects', undefined, { 'ld-api-version': version });
      expect(res.status, version).toBe(400);
      expect(res.body.code).toBe('invalid_request');
      expect(res.body.message).toContain('LD-API-Version');
    }
    const write = await t.api('POST', '/api/v2/projects', { key: 'p', name: 'P' }, { 'ld-api-version': '1' });
    expect(write.status).toBe(400);
    expect((await t.api('GET', '/api/v2/projects/p')).status).toBe(404);
  });

  it('serves the API root with links to the main collections', async () => {
    const root = await t.api('GET', '/api/v2');
    expect(root.status).toBe(200);
    expect(root.body._links).toMatchObject({
      self: { href: '/api/v2', type: 'application/json' },
      projects: { href: '/api/v2/projects', type: 'application/json' },
      members: { href: '/api/v2/members', type: 'application/json' },
      roles: { href: '/api/v2/roles', type: 'application/json' },
      tokens: { href: '/api/v2/tokens', type: 'application/json' },
      auditLog: { href: '/api/v2/auditlog', type: 'application/json' },
    });
    for (const link of Object.values(root.body._links) as { href: string }[]) {
      expect((await t.api('GET', link.href)).status, link.href).toBe(200);
    }
    expect((await t.api('GET', '/api/v2', undefined, { authorization: '' })).status).toBe(401);
  });

  it('GET /members/me is the caller’s member', async () => {
    const me = await t.api('GET', '/api/v2/members/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'ariel@acme.com', role: 'owner' });
    const byId = await t.api('GET', `/api/v2/members/${me.body._id}`);
    expect(byId.body).toEqual(me.body);
    // Through a reader token of the same member: still that member.
    const reader = (await t.api('POST', '/api/v2/tokens', { name: 'R', role: 'reader' })).body.token;
    const viaToken = await t.api('GET', '/api/v2/members/me', undefined, { authorization: reader });
    expect(viaToken.body._id).toBe(me.body._id);

    // A member without access reads nothing else, but may see themselves (as in the session).
    const invited = await t.api('POST', '/api/v2/members', [{ email: 'nat@acme.com', role: 'no_access' }]);
    const session = await acceptInvitation(t, invited.body.items[0]._inviteUrl, 'nat-password-123');
    const nat = await t.api('GET', '/api/v2/members/me', undefined, session);
    expect(nat.status).toBe(200);
    expect(nat.body).toMatchObject({ _id: invited.body.items[0]._id, email: 'nat@acme.com' });
    expect((await t.api('GET', `/api/v2/members/${me.body._id}`, undefined, session)).status).toBe(403);
    // A session has its own rate window, keyed by the member.
    expect(nat.headers['x-ratelimit-global-remaining']).toBe('99999');
  });
});

describe('REST rate limit', () => {
  it('reports LaunchDarkly’s headers on every API answer by default, with a generous limit', async () => {
    const res = await t.api('GET', '/api/v2/projects');
    expect(Number(res.headers['x-ratelimit-global-remaining'])).toBeGreaterThan(10_000);
    expect(Number(res.headers['x-ratelimit-route-remaining'])).toBeGreaterThan(10_000);
    const reset = Number(res.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThan(Date.now());
    expect(reset).toBeLessThanOrEqual(Date.now() + 10_000);
  });

  it('answers 429 with Retry-After once a token used its window, other tokens unaffected', async () => {
    await t.close();
    t = await startTestSwitchboard({ SWITCHBOARD_API_RATE_LIMIT: '5' });
    const other = (await t.api('POST', '/api/v2/tokens', { name: 'Other', role: 'reader' })).body.token;
    const seen: [string, string][] = [];
    for (const path of ['/api/v2/projects', '/api/v2/projects', '/api/v2/members', '/api/v2/projects']) {
      const res = await t.api('GET', path);
      expect(res.status).toBe(200);
      seen.push([
        String(res.headers['x-ratelimit-global-remaining']),
        String(res.headers['x-ratelimit-route-remaining']),
      ]);
    }
    // The token creation above was the first request of the window.
    expect(seen).toEqual([
      ['3', '4'],
      ['2', '3'],
      ['1', '4'],
      ['0', '2'],
    ]);
    const refused = await t.api('GET', '/api/v2/members');
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(refused.headers['x-ratelimit-global-remaining']).toBe('0');
    expect(Number(refused.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now());

    const fresh = await t.api('GET', '/api/v2/members', undefined, { authorization: other });
    expect(fresh.status).toBe(200);
    expect(fresh.headers['x-ratelimit-global-remaining']).toBe('4');
  });

  it('is off with SWITCHBOARD_API_RATE_LIMIT=0', async () => {
    await t.close();
    t = await startTestSwitchboard({ SWITCHBOARD_API_RATE_LIMIT: '0' });
    const res = await t.api('GET', '/api/v2/projects');
    expect(res.status).toBe(200);
    expect(res.headers['x-ratelimit-global-remaining']).toBeUndefined();
  });
});

describe('audit search (q)', () => {
  it('matches what a person sees (names, keys, titles, comments, emails), never ids', async () => {
    const token = (await t.api('POST', '/api/v2/tokens', { name: 'Deploy bot', role: 'writer' })).body;
    expect((await t.api('POST', '/api/v2/projects', { key: 'web', name: 'Web' })).status).toBe(201);
    expect((await t.api('POST', '/api/v2/flags/web', { key: 'f1-launch', name: 'Launch' })).status).toBe(201);
    const toggled = await t.api('PATCH', '/api/v2/flags/web/f1-launch', {
      patch: [{ op: 'replace', path: '/environments/production/on', value: true }],
      comment: 'Go for launch',
    });
    expect(toggled.status).toBe(200);
    const search = async (q: string) =>
      (await t.api('GET', `/api/v2/auditlog?limit=20&q=${encodeURIComponent(q)}`)).body.items as {
        _id: string;
        name: string;
      }[];

    expect((await search('F1')).map((e) => e.name)).toEqual(['Launch', 'Launch']);
    expect(await search('go for LAUNCH')).toHaveLength(1);
    expect(await search('deploy bot')).toHaveLength(1);
    expect(await search('turned on the flag launch in production')).toHaveLength(1);
    expect((await search('ariel@acme.com')).length).toBeGreaterThanOrEqual(3);

    const me = (await t.api('GET', '/api/v2/members/me')).body;
    const entries = (await t.api('GET', '/api/v2/auditlog?limit=20')).body.items as { _id: string }[];
    for (const id of [token._id, me._id, ...entries.map((e) => e._id)]) {
      expect(await search(id), id).toEqual([]);
    }
    // The links inside a title are addresses, not text anyone reads there.
    expect(await search('flags.example.com')).toEqual([]);
    expect(await search('mailto')).toEqual([]);
  });

  it('migration 007 rebuilds the search text of entries written under the old rule', async () => {
    await t.api('POST', '/api/v2/tokens', { name: 'Deploy bot', role: 'writer' });
    const { db } = t.switchboard.database;
    const rows = await db.selectFrom('audit_entries').select(['id', 'search']).execute();
    const rebuilt = new Map(rows.map((r) => [r.id, r.search]));
    await db.updateTable('audit_entries').set({ search: 'member/0123abcdef0123abcdef0123' }).execute();
    expect(await t.api('GET', '/api/v2/auditlog?q=0123abcdef').then((r) => r.body.items)).toHaveLength(
      rows.length,
    );
    await rebuildAuditSearch(db);
    const after = await db.selectFrom('audit_entries').select(['id', 'search']).execute();
    expect(new Map(after.map((r) => [r.id, r.search]))).toEqual(rebuilt);
    expect((await t.api('GET', '/api/v2/auditlog?q=0123abcdef')).body.items).toEqual([]);
  });
});
