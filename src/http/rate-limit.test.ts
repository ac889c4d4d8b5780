import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../errors/app-errors.js';
import { RestRateLimiter, rateWindowMs } from './rate-limit.js';

describe('RestRateLimiter', () => {
  it('counts per caller over all routes and per route, in ten-second windows', () => {
    let now = 1_000_000;
    const limiter = new RestRateLimiter(3, () => now);
    expect(limiter.take('a', 'GET /x')).toEqual({
      globalRemaining: 2,
      routeRemaining: 2,
      reset: now + rateWindowMs,
    });
    expect(limiter.take('a', 'GET /y')).toMatchObject({ globalRemaining: 1, routeRemaining: 2 });
    now += 4_000;
    expect(limiter.take('a', 'GET /x')).toMatchObject({ globalRemaining: 0, routeRemaining: 1 });
    const refused = limiter.take('a', 'GET /y');
    expect(refused).toMatchObject({
      globalRemaining: 0,
      retryAfterMs: 6_000,
      reset: 1_000_000 + rateWindowMs,
    });
    // A refused request is not counted, and another caller has its own window.
    expect(limiter.take('b', 'GET /x')).toMatchObject({ globalRemaining: 2 });
    const error = limiter.refusal(refused);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAfterMs).toBe(6_000);
    now += 6_000;
    expect(limiter.take('a', 'GET /y')).toEqual({
      globalRemaining: 2,
      routeRemaining: 2,
      reset: now + rateWindowMs,
    });
  });

  it('keeps a bounded number of callers, forgetting expired windows first', () => {
    let now = 0;
    const limiter = new RestRateLimiter(1, () => now);
    for (let i = 0; i < 10_000; i++) limiter.take(`old-${i}`, 'GET /x');
    now += rateWindowMs;
    limiter.take('fresh', 'GET /x');
    // The map was full: the expired windows went, so the new caller's count stands.
    expect(limiter.take('fresh', 'GET /x').retryAfterMs).toBe(rateWindowMs);
    for (let i = 0; i < 20_000; i++) limiter.take(`new-${i}`, 'GET /x');
    // Over the bound with every window live, the oldest callers are forgotten (they start afresh).
    expect(limiter.take('fresh', 'GET /x').retryAfterMs).toBeUndefined();
  });

  it('is off at 0', () => {
    expect(new RestRateLimiter(0).enabled).toBe(false);
    expect(new RestRateLimiter(1).enabled).toBe(true);
  });
});
