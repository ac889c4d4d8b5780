import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst up to the limit, then waits for the window to pass', () => {
    const limiter = new RateLimiter(30, 60_000);
    let sent = 0;
    for (let i = 0; i < 40; i++) {
      if (limiter.waitMs('room', 0) === 0) {
        limiter.take('room', 0);
        sent++;
      }
    }
    expect(sent).toBe(30);
    expect(limiter.waitMs('room', 0)).toBe(60_000);
    expect(limiter.waitMs('room', 59_999)).toBe(1);
    expect(limiter.waitMs('room', 60_000)).toBe(0);
    expect(limiter.waitMs('other room', 0)).toBe(0);
  });

  it('never lets more than the limit through in any window', () => {
    const limiter = new RateLimiter(30, 60_000);
    const sentAt: number[] = [];
    for (let now = 0; now < 300_000; now += 250) {
      while (limiter.waitMs('r', now) === 0) {
        limiter.take('r', now);
        sentAt.push(now);
      }
    }
    for (const start of sentAt) {
      const inWindow = sentAt.filter((t) => t >= start && t < start + 60_000).length;
      expect(inWindow).toBeLessThanOrEqual(30);
    }
    expect(sentAt.length).toBe(150);
  });

  it('honours a block until a reset time, even with the throttle off', () => {
    const off = new RateLimiter(0, 60_000);
    expect(off.waitMs('t', 0)).toBe(0);
    off.blockUntil('t', 3000);
    expect(off.waitMs('t', 1000)).toBe(2000);
    expect(off.waitMs('t', 3000)).toBe(0);
  });
});
