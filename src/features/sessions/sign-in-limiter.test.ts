import { describe, expect, it } from 'vitest';
import { SignInLimiter } from './sign-in-limiter.js';

const minute = 60_000;

describe('SignInLimiter', () => {
  it('counts an attempt when it is admitted: the eleventh in flight for one account is refused', () => {
    const limiter = new SignInLimiter();
    for (let i = 0; i < 10; i++) expect(limiter.admit('ariel', `10.0.0.${i}`, 1_000)).toBe(0);
    // None of the ten has been answered yet; the window runs from the oldest of them.
    expect(limiter.admit('ariel', '10.0.0.99', 1_000 + minute)).toBe(14 * minute);
    // A refused attempt is not counted: the wait does not grow with more of them.
    expect(limiter.admit('ariel', '10.0.0.99', 1_000 + minute)).toBe(14 * minute);
    expect(limiter.admit('ariel', '10.0.0.99', 1_000 + 15 * minute)).toBe(0);
  });

  it('counts per address across accounts, and other accounts and addresses are not affected', () => {
    const limiter = new SignInLimiter();
    for (let i = 0; i < 50; i++) expect(limiter.admit(`guess-${i}`, '10.0.0.9', 0)).toBe(0);
    expect(limiter.admit('ariel', '10.0.0.9', 0)).toBeGreaterThan(0);
    expect(limiter.admit('ariel', '10.0.0.10', 0)).toBe(0);
  });

  it('holds failed answers back from the fourth on, doubling to 2 s, in-flight attempts included', () => {
    const limiter = new SignInLimiter();
    const delays = Array.from({ length: 9 }, () => {
      limiter.admit('ariel', '10.0.0.1', 0);
      return limiter.delayFor('ariel', 0);
    });
    expect(delays).toEqual([0, 0, 0, 250, 500, 1_000, 2_000, 2_000, 2_000]);
  });

  it('a success forgives the account and releases only its own attempt from the address', () => {
    const limiter = new SignInLimiter(15 * minute, { account: 10, address: 3 });
    limiter.admit('mallory', '10.0.0.1', 0);
    limiter.admit('ariel', '10.0.0.1', 1);
    limiter.admit('ariel', '10.0.0.1', 2);
    limiter.succeed('ariel', '10.0.0.1', 2);
    expect(limiter.delayFor('ariel', 3)).toBe(0);
    // mallory's and ariel's failed attempt still count against the address: one more is let in.
    expect(limiter.admit('bob', '10.0.0.1', 3)).toBe(0);
    expect(limiter.admit('carol', '10.0.0.1', 4)).toBeGreaterThan(0);
  });
});
