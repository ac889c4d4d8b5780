import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never contains the plaintext', () => {
    const sealed = box.seal('room-token-123456', 'integration-1');
    expect(sealed).not.toContain('room-token');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.open(sealed, 'integration-1')).toBe('room-token-123456');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
  });

  it('refuses another row’s context, another key, and tampering', () => {
    const sealed = box.seal('secret', 'integration-1');
    expect(() => box.open(sealed, 'integration-2')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'integration-1')).toThrow();
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3] ?? '', 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() =>
      box.open([parts[0], parts[1], parts[2], flipped.toString('base64url')].join('.'), 'integration-1'),
    ).toThrow();
    expect(() => box.open('plain', 'integration-1')).toThrow('not a sealed secret');
  });
});
