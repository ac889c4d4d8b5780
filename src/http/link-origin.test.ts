import { describe, expect, it } from 'vitest';
import { linkBaseFor, requestOrigin } from './link-origin.js';

describe('requestOrigin', () => {
  it.each([
    ['http', '127.0.0.1:18600', 'http://127.0.0.1:18600'],
    ['http', 'localhost:8080', 'http://localhost:8080'],
    ['https', 'Flags.Example.com', 'https://flags.example.com'],
    ['http', '[::1]:8080', 'http://[::1]:8080'],
    ['http', 'switchboard', 'http://switchboard'],
  ])('%s with Host %s is %s', (protocol, host, origin) => {
    expect(requestOrigin({ protocol, host })).toBe(origin);
  });

  it.each([
    ['http', ''],
    ['http', 'evil.com/path'],
    ['http', 'evil.com@good.com'],
    ['http', 'a b'],
    ['http', 'evil.com:80:90'],
    ['http', 'evil.com#'],
    ['http', '-bad.com'],
    ['ftp', 'example.com'],
  ])('%s with Host %j names no origin', (protocol, host) => {
    expect(requestOrigin({ protocol, host })).toBeUndefined();
  });
});

describe('linkBaseFor', () => {
  const request = { protocol: 'http', host: '127.0.0.1:18600' };

  it('uses the configured base URL whatever the Host header says', () => {
    expect(linkBaseFor(request, { configured: true, baseUrl: () => 'https://flags.acme.com' })).toBe(
      'https://flags.acme.com',
    );
  });

  it('without one, follows how the user came', () => {
    expect(linkBaseFor(request, { configured: false, baseUrl: () => 'http://localhost:18600' })).toBe(
      'http://127.0.0.1:18600',
    );
  });

  it('falls back to the bound base URL when the Host header is unusable', () => {
    const base = linkBaseFor(
      { protocol: 'http', host: 'evil.com/x' },
      { configured: false, baseUrl: () => 'http://localhost:18600' },
    );
    expect(base).toBe('http://localhost:18600');
  });
});
