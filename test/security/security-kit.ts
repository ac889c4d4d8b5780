import { expect } from 'vitest';
import { acceptInvitation } from '../helpers/invitations.js';
import { adminToken, type TestSwitchboard } from '../helpers/test-switchboard.js';

/** The owner's token the test Switchboard starts with. */
export const owner = { authorization: adminToken };

export interface Someone {
  readonly id: string;
  /** A token of their own, with the role or custom roles they were invited with. */
  readonly headers: { authorization: string };
  /** Their browser session, as the web UI sends it. */
  readonly session: Record<string, string>;
}

/**
 * Invites a member as the owner, accepts the invitation as they would (which signs them in),
 * and creates them a token with the same rights through that session.
 */
export async function someone(
  t: TestSwitchboard,
  name: string,
  role: string,
  customRoles: string[] = [],
): Promise<Someone> {
  const invited = await t.api('POST', '/api/v2/members', [{ email: `${name}@acme.com`, role, customRoles }]);
  expect(invited.status, JSON.stringify(invited.body)).toBe(201);
  const url: string = invited.body.items[0]._inviteUrl;
  const session = await acceptInvitation(t, url, `${name}-password-123`);
  const token = await t.api(
    'POST',
    '/api/v2/tokens',
    { name: `${name} token`, ...(customRoles.length > 0 ? { customRoleIds: customRoles } : { role }) },
    session,
  );
  expect(token.status, JSON.stringify(token.body)).toBe(201);
  return { id: invited.body.items[0]._id, headers: { authorization: token.body.token }, session };
}

/** Creates a custom role as the owner. */
export async function customRole(t: TestSwitchboard, key: string, policy: unknown[]): Promise<void> {
  const created = await t.api('POST', '/api/v2/roles', { key, name: key, policy });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}
