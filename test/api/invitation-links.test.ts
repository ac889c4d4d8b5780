import { afterEach, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

// Links shown back to the user follow how they came unless SWITCHBOARD_BASE_URL says otherwise
// (issue 20): someone on http://127.0.0.1 is handed a link they can open. The Host header is the
// client's to choose, so it must never reach what others read (the audit log, notifications).

let t: TestSwitchboard;
afterEach(async () => {
  await t.close();
});

const invite = (email: string, host: string) => t.api('POST', '/api/v2/members', [{ email }], { host });

async function auditText(): Promise<string> {
  const list = await t.api('GET', '/api/v2/auditlog?limit=1');
  return JSON.stringify((await t.api('GET', `/api/v2/auditlog/${list.body.items[0]._id}`)).body);
}

describe('invitation links', () => {
  it('without SWITCHBOARD_BASE_URL, point at the origin of the request', async () => {
    t = await startTestSwitchboard({ SWITCHBOARD_BASE_URL: '', PORT: '18600' });
    const res = await invite('bo@acme.com', '127.0.0.1:18600');
    expect(res.status).toBe(201);
    expect(res.body.items[0]._inviteUrl).toMatch(/^http:\/\/127\.0\.0\.1:18600\/accept-invitation#[\w-]+$/);
    const other = await invite('cy@acme.com', 'localhost:18600');
    expect(other.body.items[0]._inviteUrl).toMatch(/^http:\/\/localhost:18600\/accept-invitation#/);
    expect(await auditText()).not.toContain('127.0.0.1');
  });

  it('without SWITCHBOARD_BASE_URL, ignore X-Forwarded-Host (no proxy is trusted) and a malformed Host', async () => {
    t = await startTestSwitchboard({ SWITCHBOARD_BASE_URL: '', PORT: '18600' });
    const forwarded = await t.api('POST', '/api/v2/members', [{ email: 'bo@acme.com' }], {
      host: '127.0.0.1:18600',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
    });
    expect(forwarded.body.items[0]._inviteUrl).toMatch(/^http:\/\/127\.0\.0\.1:18600\/accept-invitation#/);
    const malformed = await invite('cy@acme.com', 'evil.example/phish?');
    expect(malformed.body.items[0]._inviteUrl).toMatch(/^http:\/\/localhost:18600\/accept-invitation#/);
  });

  it('with SWITCHBOARD_BASE_URL, always point there, whatever the Host header', async () => {
    t = await startTestSwitchboard({ SWITCHBOARD_BASE_URL: 'https://flags.acme.com' });
    const res = await invite('bo@acme.com', 'evil.example');
    expect(res.status).toBe(201);
    expect(res.body.items[0]._inviteUrl).toMatch(/^https:\/\/flags\.acme\.com\/accept-invitation#[\w-]+$/);
    expect(await auditText()).not.toContain('evil.example');
  });
});
