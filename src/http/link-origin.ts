/** What a link base is read from: Fastify's request (its `protocol` and `host` follow `trustProxy`). */
export interface RequestOrigin {
  readonly protocol: string;
  readonly host: string;
}

/** The site's base URL, and whether SWITCHBOARD_BASE_URL set it (else it follows the bound port). */
export interface LinkSite {
  readonly configured: boolean;
  readonly baseUrl: () => string;
}

/** A host name, IPv4 address or bracketed IPv6 address, with an optional port: nothing else. */
const hostPattern =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The origin the user reached us at, or undefined when the request does not name a usable one.
 * With Fastify's default (`trustProxy` off) `host` is the Host header and `protocol` the socket's,
 * so X-Forwarded-* headers are ignored unless the operator has said a proxy is in front.
 */
export function requestOrigin(request: RequestOrigin): string | undefined {
  const protocol = request.protocol === 'https' ? 'https' : request.protocol === 'http' ? 'http' : undefined;
  if (protocol === undefined || !hostPattern.test(request.host)) return undefined;
  return `${protocol}://${request.host.toLowerCase()}`;
}

/**
 * Where links shown back in an API answer point (an invitation link the inviter copies): the
 * configured SWITCHBOARD_BASE_URL when there is one, else the origin the user came by, so
 * someone on http://127.0.0.1:8080 is not handed a link to localhost.
 *
 * The Host header is the client's to choose: use this only for links returned to the same
 * request, never for anything stored, logged or sent to others (notifications, audit entries),
 * which keep using the configured or bound base URL.
 */
export function linkBaseFor(request: RequestOrigin, site: LinkSite): string {
  if (site.configured) return site.baseUrl();
  return requestOrigin(request) ?? site.baseUrl();
}
