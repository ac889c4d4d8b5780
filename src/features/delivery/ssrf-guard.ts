import dns from 'node:dns';
import net from 'node:net';
import { buildConnector } from 'undici';

/**
 * Why an address is not a place a notification may go. A chat target is typed in by a user, so
 * without this check Switchboard could be pointed at the cloud metadata service or an internal
 * admin port, and the delivery log would read the answer back to them.
 */
export type AddressCategory =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'carrier-grade-nat'
  | 'unspecified'
  | 'multicast'
  | 'metadata'
  | 'reserved';

const categoryPhrase: Readonly<Record<AddressCategory, string>> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  'carrier-grade-nat': 'a carrier-grade NAT address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  metadata: 'a cloud metadata address',
  reserved: 'a reserved address',
};

interface Range4 {
  readonly base: number;
  readonly bits: number;
  readonly category: AddressCategory;
}

function ipv4ToInt(text: string): number {
  const parts = text.split('.').map(Number);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

function range4(cidr: string, category: AddressCategory): Range4 {
  const [base = '', bits = '32'] = cidr.split('/');
  return { base: ipv4ToInt(base), bits: Number(bits), category };
}

/** First match wins, so the metadata address is named before the link-local block holding it. */
const ipv4Ranges: readonly Range4[] = [
  range4('169.254.169.254/32', 'metadata'),
  range4('0.0.0.0/8', 'unspecified'),
  range4('10.0.0.0/8', 'private'),
  range4('100.64.0.0/10', 'carrier-grade-nat'),
  range4('127.0.0.0/8', 'loopback'),
  range4('169.254.0.0/16', 'link-local'),
  range4('172.16.0.0/12', 'private'),
  // 192.0.0.0/24 holds protocol assignments and some clouds' metadata endpoints (192.0.0.192).
  range4('192.0.0.0/24', 'reserved'),
  range4('192.168.0.0/16', 'private'),
  range4('198.18.0.0/15', 'reserved'),
  range4('224.0.0.0/4', 'multicast'),
  range4('240.0.0.0/4', 'reserved'),
];

function classifyIPv4(text: string): AddressCategory | undefined {
  const value = ipv4ToInt(text);
  for (const range of ipv4Ranges) {
    const mask = range.bits === 0 ? 0 : (0xffffffff << (32 - range.bits)) >>> 0;
    if ((value & mask) >>> 0 === (range.base & mask) >>> 0) return range.category;
  }
  return undefined;
}

/** Eight 16-bit groups; the caller has already checked `net.isIPv6`. */
function ipv6Groups(text: string): number[] {
  let address = text.split('%')[0] ?? '';
  const lastColon = address.lastIndexOf(':');
  const last = address.slice(lastColon + 1);
  if (last.includes('.')) {
    // A trailing dotted quad is two groups written differently.
    const v4 = ipv4ToInt(last);
    address = `${address.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16));
  const [head = '', rest] = address.split('::');
  const front = parse(head);
  const back = rest === undefined ? [] : parse(rest);
  const zeros = new Array<number>(Math.max(0, 8 - front.length - back.length)).fill(0);
  return [...front, ...zeros, ...back];
}

/** The IPv4 address in two 16-bit groups; Teredo stores its client inverted, hence `flip`. */
function ipv4FromGroups(hi: number, lo: number, flip = 0): string {
  const value = (((hi << 16) | lo) ^ flip) >>> 0;
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/**
 * The IPv4 addresses an IPv6 address carries in the forms that a host, a translator or a tunnel
 * turns back into IPv4, so reaching the IPv6 address may reach them: it is as dangerous as the
 * worst of them. Undefined when the address carries none.
 */
function embeddedIPv4s(g: readonly number[]): readonly string[] | undefined {
  const at = (i: number): number => g[i] ?? 0;
  const zeroFrom = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  const last32 = ipv4FromGroups(at(6), at(7));
  // ::a.b.c.d IPv4-compatible and ::ffff:a.b.c.d IPv4-mapped (RFC 4291); a dual-stack socket
  // sends the mapped form over IPv4 itself.
  if (zeroFrom(0, 5) && (at(5) === 0 || at(5) === 0xffff)) return [last32];
  // ::ffff:0:a.b.c.d, IPv4-translated (RFC 2765, 6145): what a stateless translator (SIIT) maps.
  if (zeroFrom(0, 4) && at(4) === 0xffff && at(5) === 0) return [last32];
  // 64:ff9b::/96, the NAT64 well-known prefix (RFC 6052), always the /96 layout.
  if (at(0) === 0x64 && at(1) === 0xff9b && zeroFrom(2, 6)) return [last32];
  // 64:ff9b:1::/48, the local-use NAT64 prefix (RFC 8215), meant for reaching private addresses.
  // Its layout is the operator's choice (any RFC 6052 prefix of /48 or longer). With bits 48–95
  // zero every layout but /96 reads 0.0.0.0, where no translator sends, so the last 32 bits are
  // the address; any other address in it is refused by the caller (see `isAmbiguousLocalNat64`).
  if (at(0) === 0x64 && at(1) === 0xff9b && at(2) === 1 && zeroFrom(3, 6)) return [last32];
  // Tunnels work only within global unicast (2000::/3). A 6to4 or Teredo address may also carry an
  // ISATAP identifier, reaching a second IPv4 host behind the first, so every form found counts.
  if ((at(0) & 0xe000) !== 0x2000) return undefined;
  const carried: string[] = [];
  // 2001::/32, Teredo (RFC 4380): the server in bits 32–63, the client inverted in the last 32.
  if (at(0) === 0x2001 && at(1) === 0)
    carried.push(ipv4FromGroups(at(2), at(3)), ipv4FromGroups(at(6), at(7), 0xffffffff));
  // 2002::/16, 6to4 (RFC 3056): the IPv4 address in bits 16–47.
  if (at(0) === 0x2002) carried.push(ipv4FromGroups(at(1), at(2)));
  // An ISATAP interface identifier, ::0:5efe:a.b.c.d with any u/g bits (RFC 5214).
  if ((at(4) & 0xfcff) === 0 && at(5) === 0x5efe) carried.push(last32);
  return carried.length > 0 ? carried : undefined;
}

/** A local-use NAT64 address whose IPv4 bits cannot be told without the operator's layout. */
function isAmbiguousLocalNat64(g: readonly number[]): boolean {
  return g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1 && g.slice(3, 6).some((x) => x !== 0);
}

function classifyIPv6(text: string): AddressCategory | undefined {
  const g = ipv6Groups(text);
  const at = (i: number): number => g[i] ?? 0;
  const firstSevenZero = g.slice(0, 7).every((x) => x === 0);
  if (firstSevenZero && at(7) === 0) return 'unspecified';
  if (firstSevenZero && at(7) === 1) return 'loopback';
  if ((at(0) & 0xfe00) === 0xfc00) return 'private';
  if ((at(0) & 0xffc0) === 0xfe80) return 'link-local';
  if ((at(0) & 0xffc0) === 0xfec0) return 'private';
  if ((at(0) & 0xff00) === 0xff00) return 'multicast';
  if (isAmbiguousLocalNat64(g)) return 'reserved';
  const embedded = embeddedIPv4s(g);
  if (embedded !== undefined) {
    for (const ipv4 of embedded) {
      const category = classifyIPv4(ipv4);
      if (category !== undefined) return category;
    }
    return undefined;
  }
  // Only 2000::/3 is allocated for global unicast. Nothing public lives elsewhere, and a translator
  // may read IPv4 out of forms not listed above, so refuse the rest outright.
  if ((at(0) & 0xe000) !== 0x2000) return 'reserved';
  return undefined;
}

/** The category of a literal IP address, or undefined when it is a public address. */
export function classifyAddress(address: string): AddressCategory | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (net.isIPv4(bare)) return classifyIPv4(bare);
  if (net.isIPv6(bare)) return classifyIPv6(bare);
  // Not an address at all: refuse rather than guess.
  return 'reserved';
}

export function describeRefusal(target: string, address: string, category: AddressCategory): string {
  return (
    `target ${target} resolves to ${address}, ${categoryPhrase[category]}; ` +
    'set SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true to allow private targets'
  );
}

/** A connection refused by the guard. `code` is not undici's socket code, so undici won't retry it. */
export class SsrfRefusedError extends Error {
  readonly code = 'ERR_SSRF_REFUSED';

  constructor(
    readonly target: string,
    readonly address: string,
    readonly category: AddressCategory,
  ) {
    super(describeRefusal(target, address, category));
    this.name = 'SsrfRefusedError';
  }

  /** The lookup hook knows only the host name; the connector knows the whole origin. */
  withTarget(target: string): SsrfRefusedError {
    return new SsrfRefusedError(target, this.address, this.category);
  }
}

export interface GuardOptions {
  readonly allowPrivateTargets: boolean;
  /** Name resolution; tests inject one to point a name at 127.0.0.1 without touching DNS. */
  readonly lookup?: net.LookupFunction;
}

type LookupCallback = Parameters<net.LookupFunction>[2];

const defaultLookup = dns.lookup as unknown as net.LookupFunction;

/**
 * A `lookup` for `net.connect` that vets every resolved address before the socket dials it. The
 * check happens on the addresses actually connected to, so a name that resolved to a public
 * address when the integration was saved and to 127.0.0.1 now (DNS rebinding) is still refused.
 */
export function guardedLookup(options: GuardOptions): net.LookupFunction {
  const resolve = options.lookup ?? defaultLookup;
  return (hostname, lookupOptions, callback: LookupCallback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (err, result, family) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const all: dns.LookupAddress[] =
        typeof result === 'string' ? [{ address: result, family: family ?? 4 }] : result;
      if (!options.allowPrivateTargets) {
        // Refuse when any address is private: the socket may pick any of them.
        for (const entry of all) {
          const category = classifyAddress(entry.address);
          if (category !== undefined) {
            callback(new SsrfRefusedError(hostname, entry.address, category), '', 0);
            return;
          }
        }
      }
      if (lookupOptions.all === true) {
        callback(null, all);
        return;
      }
      const first = all[0];
      if (first === undefined) {
        const notFound = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        callback(notFound, '', 0);
        return;
      }
      callback(null, first.address, first.family);
    });
  };
}

export interface GuardedConnectorOptions extends GuardOptions {
  readonly connectTimeoutMs: number;
}

/**
 * An undici connector that applies the guard at connect time: IP literals are checked here
 * (`net.connect` skips the lookup hook for them), names through `guardedLookup`.
 */
export function guardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const connect = buildConnector({ timeout: options.connectTimeoutMs, lookup: guardedLookup(options) });
  return (connectOptions, callback) => {
    const target = `${connectOptions.protocol}//${connectOptions.host ?? connectOptions.hostname}`;
    if (!options.allowPrivateTargets && net.isIP(connectOptions.hostname) !== 0) {
      const category = classifyAddress(connectOptions.hostname);
      if (category !== undefined) {
        callback(new SsrfRefusedError(target, connectOptions.hostname, category), null);
        return;
      }
    }
    connect(connectOptions, (...args) => {
      const [err] = args;
      if (err instanceof SsrfRefusedError) callback(err.withTarget(target), null);
      else callback(...args);
    });
  };
}

export type TargetCheck =
  | { readonly ok: true; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly errorClass: 'ssrf_refused' | 'dns'; readonly message: string };

/**
 * The same rules, checked ahead of time: for validating an integration's server when it is saved
 * and for a clear error in a test send. Sending re-checks at connect time (see `guardedConnector`).
 */
export async function checkTarget(url: string, options: GuardOptions): Promise<TargetCheck> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, errorClass: 'ssrf_refused', message: `target ${url} is not a valid URL` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return {
      ok: false,
      errorClass: 'ssrf_refused',
      message: `target ${parsed.protocol}//${parsed.host} uses the scheme ${parsed.protocol}; only http and https are allowed`,
    };
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const lookup = guardedLookup(options);
  return new Promise<TargetCheck>((resolve) => {
    if (net.isIP(host) !== 0) {
      const category = options.allowPrivateTargets ? undefined : classifyAddress(host);
      resolve(
        category === undefined
          ? { ok: true, addresses: [host] }
          : {
              ok: false,
              errorClass: 'ssrf_refused',
              message: describeRefusal(parsed.origin, host, category),
            },
      );
      return;
    }
    lookup(host, { all: true }, (err, result) => {
      if (err instanceof SsrfRefusedError) {
        resolve({ ok: false, errorClass: 'ssrf_refused', message: err.withTarget(parsed.origin).message });
      } else if (err) {
        resolve({
          ok: false,
          errorClass: 'dns',
          message: `target ${parsed.origin} does not resolve: ${err.message}`,
        });
      } else {
        const addresses = typeof result === 'string' ? [result] : result.map((a) => a.address);
        resolve({ ok: true, addresses });
      }
    });
  });
}
