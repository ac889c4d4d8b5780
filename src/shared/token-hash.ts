import { createHash } from 'node:crypto';

/** Tokens are stored as their SHA-256: they are long random strings, so a slow KDF adds nothing. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
