import type dns from 'node:dns';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  type AddressCategory,
  checkTarget,
  classifyAddress,
  describeRefusal,
  guardedLookup,
  SsrfRefusedError,
} from './ssrf-guard.js';

/** A resolver that answers from a table, so no test depends on real DNS. */
function fakeLookup(table: Record<string, string[]>): net.LookupFunction {
  return (hostname, _options, callback) => {
    const addresses = table[hostname];
    if (addresses === undefined) {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      callback(err, '', 0);
      return;
    }
    const all: dns.LookupAddress[] = addresses.map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
    callback(null, all);
  };
}

describe('classifyAddress', () => {
  const cases: [string, AddressCategory | undefined][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', undefined],
    ['172.15.255.255', undefined],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade-nat'],
    ['100.127.255.255', 'carrier-grade-nat'],
    ['100.128.0.0', undefined],
    ['169.254.169.254', 'metadata'],
    ['169.254.0.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.0.192', 'reserved'],
    ['8.8.8.8', undefined],
    ['1.1.1.1', undefined],
    ['104.16.0.1', undefined],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', undefined],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2606:4700:4700::1111', undefined],
    ['2001:db8::1', undefined],
  ];
  it.each(cases)('%s → %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });
});

describe('classifyAddress on IPv6 that carries IPv4', () => {
  // Each form is as dangerous as the IPv4 address it reaches, and as harmless.
  const cases: [string, AddressCategory | undefined][] = [
    // IPv4-mapped and IPv4-compatible (RFC 4291).
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::7f00:1', 'loopback'],
    ['::a00:1', 'private'],
    ['::808:808', undefined],
    // IPv4-translated, ::ffff:0:0/96 (RFC 2765, 6145).
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['0:0:0:0:ffff:0:a9fe:a9fe', 'metadata'],
    ['::ffff:0:8.8.8.8', undefined],
    // NAT64 well-known prefix, 64:ff9b::/96 (RFC 6052).
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::192.168.0.1', 'private'],
    ['64:ff9b::808:808', undefined],
    // Local-use NAT64, 64:ff9b:1::/48 (RFC 8215): /96 layout readable, others ambiguous.
    ['64:ff9b:1::7f00:1', 'loopback'],
    ['64:ff9b:1::a00:1', 'private'],
    ['64:ff9b:1::808:808', undefined],
    ['64:ff9b:1:0:a:0:108:808', 'reserved'],
    // Teredo, 2001::/32 (RFC 4380): server in bits 32–63, client inverted in the last 32.
    ['2001::7f00:1', 'unspecified'],
    ['2001:0:7f00:1::', 'loopback'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', undefined],
    // 6to4, 2002::/16 (RFC 3056): IPv4 in bits 16–47.
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2002:c000:204::1', undefined],
    // ISATAP interface identifiers (RFC 5214), in global unicast.
    ['2001:db8::5efe:7f00:1', 'loopback'],
    ['2001:db8::200:5efe:a00:1', 'private'],
    ['2001:db8::200:5efe:808:808', undefined],
    ['fe80::5efe:808:808', 'link-local'],
    // Outside global unicast (2000::/3) nothing is public, whatever it may carry.
    ['::ffff:0:0:7f00:1', 'reserved'],
    ['64:ff9b:0:1::808:808', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'reserved'],
  ];
  it.each(cases)('%s → %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });
});

describe('describeRefusal', () => {
  it('says what, why and how to allow it', () => {
    expect(describeRefusal('https://x', '127.0.0.1', 'loopback')).toBe(
      'target https://x resolves to 127.0.0.1, a loopback address; set SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true to allow private targets',
    );
  });
});

describe('guardedLookup', () => {
  const lookup = fakeLookup({
    'chat.example.com': ['93.184.216.34'],
    'rebind.example.com': ['93.184.216.34', '127.0.0.1'],
    'internal.example.com': ['10.0.0.7'],
  });

  function resolve(guard: net.LookupFunction, host: string, all: boolean) {
    return new Promise<{ err: Error | null; result: unknown; family?: number }>((done) => {
      guard(host, { all }, (err, result, family) => done({ err, result, family }));
    });
  }

  it('passes public addresses through, in the form asked for', async () => {
    const guard = guardedLookup({ allowPrivateTargets: false, lookup });
    expect(await resolve(guard, 'chat.example.com', false)).toEqual({
      err: null,
      result: '93.184.216.34',
      family: 4,
    });
    expect((await resolve(guard, 'chat.example.com', true)).result).toEqual([
      { address: '93.184.216.34', family: 4 },
    ]);
  });

  it('refuses when any resolved address is private', async () => {
    const guard = guardedLookup({ allowPrivateTargets: false, lookup });
    const { err } = await resolve(guard, 'rebind.example.com', true);
    expect(err).toBeInstanceOf(SsrfRefusedError);
    expect((err as SsrfRefusedError).address).toBe('127.0.0.1');
    expect((err as SsrfRefusedError).category).toBe('loopback');
  });

  it('allows private addresses when told to', async () => {
    const guard = guardedLookup({ allowPrivateTargets: true, lookup });
    expect((await resolve(guard, 'internal.example.com', false)).result).toBe('10.0.0.7');
  });

  it('passes resolution errors through', async () => {
    const guard = guardedLookup({ allowPrivateTargets: false, lookup });
    const { err } = await resolve(guard, 'nowhere.example.com', false);
    expect((err as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
  });
});

describe('checkTarget', () => {
  const lookup = fakeLookup({ 'hipchat.test': ['127.0.0.1'], 'chat.example.com': ['93.184.216.34'] });

  it('refuses a loopback literal with the documented message', async () => {
    expect(
      await checkTarget('http://127.0.0.1:8089/v2/room/1/notification', { allowPrivateTargets: false }),
    ).toEqual({
      ok: false,
      errorClass: 'ssrf_refused',
      message:
        'target http://127.0.0.1:8089 resolves to 127.0.0.1, a loopback address; set SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true to allow private targets',
    });
  });

  it('refuses a name that resolves to loopback, naming the origin', async () => {
    const result = await checkTarget('https://hipchat.test/v2', { allowPrivateTargets: false, lookup });
    expect(result).toMatchObject({ ok: false, errorClass: 'ssrf_refused' });
    expect(!result.ok && result.message).toMatch(
      /^target https:\/\/hipchat\.test resolves to 127\.0\.0\.1, a loopback address/,
    );
  });

  it('refuses IPv6 and IPv4-mapped literals', async () => {
    expect(await checkTarget('http://[::1]/', { allowPrivateTargets: false })).toMatchObject({ ok: false });
    expect(
      await checkTarget('http://[::ffff:169.254.169.254]/', { allowPrivateTargets: false }),
    ).toMatchObject({
      ok: false,
    });
  });

  it('allows private targets when told to, and public ones always', async () => {
    expect(await checkTarget('https://hipchat.test/', { allowPrivateTargets: true, lookup })).toEqual({
      ok: true,
      addresses: ['127.0.0.1'],
    });
    expect(await checkTarget('https://chat.example.com/', { allowPrivateTargets: false, lookup })).toEqual({
      ok: true,
      addresses: ['93.184.216.34'],
    });
  });

  it('refuses other schemes and invalid URLs even when private targets are allowed', async () => {
    expect(await checkTarget('file:///etc/passwd', { allowPrivateTargets: true })).toMatchObject({
      ok: false,
      errorClass: 'ssrf_refused',
    });
    expect(await checkTarget('gopher://chat.example.com/', { allowPrivateTargets: true })).toMatchObject({
      ok: false,
    });
    expect(await checkTarget('not a url', { allowPrivateTargets: true })).toMatchObject({ ok: false });
  });

  it('reports names that do not resolve as dns', async () => {
    expect(await checkTarget('https://nowhere.test/', { allowPrivateTargets: false, lookup })).toMatchObject({
      ok: false,
      errorClass: 'dns',
    });
  });
});
