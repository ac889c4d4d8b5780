/** The credentials a REST request carries, as the edge reads them; who they name is the domain's. */

/** The browser session cookie (HttpOnly, SameSite=Lax). */
export const sessionCookie = 'switchboard_session';

/**
 * Header the web UI sends with every cookie-authenticated write. A cross-site form cannot set
 * it, and a cross-site script cannot send it without a CORS preflight, which this API never
 * grants; SameSite=Lax already keeps the cookie off cross-site POSTs, this is the second lock.
 */
export const csrfHeader = 'x-switchboard-csrf';

/** What authenticating a request looks at. */
export interface AuthRequest {
  readonly method: string;
  readonly authorization: string | undefined;
  readonly sessionToken: string | undefined;
  readonly csrfHeader: string | undefined;
}

/** The access token of an Authorization header, with or without `Bearer`. */
export function readToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  const bearer = /^bearer\s+(.+)$/i.exec(value);
  const token = bearer?.[1] ?? value;
  return token === '' ? undefined : token;
}
