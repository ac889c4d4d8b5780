import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockedHeadRetryAt, nextAttemptAt } from './retry-schedule.js';

const schedule = [0, 5, 30, 120, 600, 1800, 3600];

describe('nextAttemptAt', () => {
  it('follows the schedule and ends after the last step', () => {
    const mid = () => 0.5;
    expect(schedule.map((_, i) => nextAttemptAt(schedule, i, 1000, mid))).toEqual(
      schedule.map((s) => 1000 + s * 1000),
    );
    expect(nextAttemptAt(schedule, schedule.length, 1000, mid)).toBeUndefined();
  });

  it('jitters within ±20 %', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: schedule.length - 1 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (i, r) => {
          const at = nextAttemptAt(schedule, i, 0, () => r) ?? Number.NaN;
          const base = (schedule[i] ?? 0) * 1000;
          expect(at).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
          expect(at).toBeLessThanOrEqual(Math.ceil(base * 1.2));
        },
      ),
    );
  });

  it('never goes earlier than a rate-limit reset', () => {
    expect(nextAttemptAt(schedule, 1, 0, () => 0.5, 60_000)).toBe(60_000);
    expect(nextAttemptAt(schedule, 4, 0, () => 0.5, 60_000)).toBe(600_000);
  });
});

describe('blockedHeadRetryAt', () => {
  const mid = () => 0.5;
  const span = (30 + 120 + 600 + 1800 + 3600 + 5) * 1000;

  it('tries a blocked head again within the cap, however far its schedule step is', () => {
    for (let i = 1; i < schedule.length; i++) {
      expect(blockedHeadRetryAt(schedule, i, { firstAttemptAt: 0, now: 1000, capMs: 5000 }, mid)).toBe(6000);
    }
    // A step shorter than the cap is kept.
    expect(blockedHeadRetryAt(schedule, 0, { firstAttemptAt: 0, now: 1000, capMs: 5000 }, mid)).toBe(1000);
  });

  it('jitters the cap within ±20 %', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999999, noNaN: true }), (r) => {
        const at = blockedHeadRetryAt(schedule, 3, { firstAttemptAt: 0, now: 0, capMs: 5000 }, () => r) ?? 0;
        expect(at).toBeGreaterThanOrEqual(4000);
        expect(at).toBeLessThanOrEqual(6000);
      }),
    );
  });

  it('keeps trying past the schedule’s attempts, and gives up when the schedule’s span has passed', () => {
    const head = { firstAttemptAt: 10_000, capMs: 5000 };
    expect(blockedHeadRetryAt(schedule, 500, { ...head, now: 10_000 + span - 1 }, mid)).toBe(
      10_000 + span - 1 + 5000,
    );
    expect(blockedHeadRetryAt(schedule, 8, { ...head, now: 10_000 + span }, mid)).toBeUndefined();
  });

  it('never goes earlier than the target asked', () => {
    expect(
      blockedHeadRetryAt(schedule, 2, { firstAttemptAt: 0, now: 0, capMs: 5000, notBefore: 60_000 }, mid),
    ).toBe(60_000);
  });
});
