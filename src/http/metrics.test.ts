import { describe, expect, it } from 'vitest';
import { hasBearerToken } from './metrics.js';

describe('hasBearerToken', () => {
  const token = 'metrics-scraper-token-0123456789';

  it.each([
    [`Bearer ${token}`, true],
    [`bearer ${token}`, true],
    [`Bearer  ${token} `, true],
    [undefined, false],
    ['', false],
    ['Bearer', false],
    [token, false],
    [`Basic ${token}`, false],
    [`Bearer ${token.slice(0, -1)}`, false],
    [`Bearer ${token}0`, false],
    [`Bearer ${token} extra`, false],
  ])('%j → %s', (authorization, expected) => {
    expect(hasBearerToken(authorization, token)).toBe(expected);
  });
});
