import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
});
afterEach(async () => {
  await t.close();
});

async function signIn(password = 'correct horse battery', email = 'ariel@acme.com', ip = '10.0.0.1') {
  return t.switchboard.app.inject({
    method: 'POST',
    url: '/api/v2/session',
    payload: { email, password },
    remoteAddress: ip,
  });
}

function cookieOf(response: Awaited<ReturnType<typeof signIn>>): string {
  const header = String(response.headers['set-cookie'] ?? '');
  const match = /switchboard_session=([^;]+)/.exec(header);
  if (match?.[1] === undefined) throw new Error(`no session cookie in ${header}`);
  return `switchboard_session=${match[1]}`;
}

describe('sessions', () => {
  it('signs in with the owner’s email and password and sets an HttpOnly, SameSite=Lax cookie', async () => {
    const res = await signIn();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ member: { email: 'ariel@acme.com', role: 'owner' }, via: 'session' });
    const header = String(res.headers['set-cookie']);
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/SameSite=Lax/i);
    expect(header).toMatch(/Path=\//);

    const me = await t.api('GET', '/api/v2/session', undefined, { authorization: '', cookie: cookieOf(res) });
    expect(me.status).toBe(200);
    expect(me.body.via).toBe('session');
  });

  it('cookie-authenticated writes need the CSRF header; a cross-site form post is refused', async () => {
    const cookie = cookieOf(await signIn());
    const form = await t.switchboard.app.inject({
      method: 'POST',
      url: '/api/v2/projects',
      headers: { cookie, 'content-type': 'application/json', origin: 'https://evil.example' },
      payload: { key: 'evil', name: 'Evil' },
    });
    expect(form.statusCode).toBe(403);
    expect(form.json().message).toContain('x-switchboard-csrf');
    expect((await t.api('GET', '/api/v2/projects/evil')).status).toBe(404);

    const ok = await t.api(
      'POST',
      '/api/v2/projects',
      { key: 'mine', name: 'Mine' },
      { authorization: '', cookie, 'x-switchboard-csrf': '1' },
    );
    expect(ok.status).toBe(201);
    const entry = (await t.api('GET', '/api/v2/auditlog?limit=1')).body.items[0];
    expect(entry.member.email).toBe('ariel@acme.com');
    expect(entry.token).toBeUndefined();
  });

  it('wrong passwords get 401, then are slowed, then refused even with the right one', async () => {
    const started = Date.now();
    for (let i = 0; i < 10; i++) expect((await signIn('wrong')).statusCode).toBe(401);
    // The later failures were held back (250 ms, 500 ms, … up to 2 s each).
    expect(Date.now() - started).toBeGreaterThan(3_000);
    const refused = await signIn();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another account from another address is not affected.
    expect((await signIn('wrong', 'nobody@acme.com', '10.0.0.2')).statusCode).toBe(401);
  }, 60_000);

  it('an unknown email gets the same 401 as a wrong password', async () => {
    const res = await signIn('whatever', 'ghost@acme.com');
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toBe('Wrong email or password');
  });

  it('signing out ends the session at once', async () => {
    const cookie = cookieOf(await signIn());
    const out = await t.api('DELETE', '/api/v2/session', undefined, {
      authorization: '',
      cookie,
      'x-switchboard-csrf': '1',
    });
    expect(out.status).toBe(204);
    expect((await t.api('GET', '/api/v2/session', undefined, { authorization: '', cookie })).status).toBe(
      401,
    );
  });

  it('a token still works and says so', async () => {
    const me = await t.api('GET', '/api/v2/session');
    expect(me.body).toMatchObject({ via: 'token', member: { email: 'ariel@acme.com' } });
  });
});
