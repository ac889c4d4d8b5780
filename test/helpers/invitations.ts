import { expect } from 'vitest';
import type { TestSwitchboard } from './test-switchboard.js';

/** The headers the web UI sends for a signed-in member: the session cookie and the CSRF header. */
export type SessionHeaders = { authorization: string; cookie: string; 'x-switchboard-csrf': string };

/** Accepts an invitation as the invited person would, which signs them in. */
export async function acceptInvitation(
  t: TestSwitchboard,
  inviteUrl: string,
  password: string,
): Promise<SessionHeaders> {
  const accepted = await t.switchboard.app.inject({
    method: 'POST',
    url: '/api/v2/invitations/accept',
    payload: { token: inviteUrl.split('#')[1], password },
  });
  expect(accepted.statusCode, accepted.body).toBe(200);
  const cookie = /switchboard_session=[^;]+/.exec(String(accepted.headers['set-cookie']))?.[0] ?? '';
  return { authorization: '', cookie, 'x-switchboard-csrf': '1' };
}
