import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextAttemptAt } from './retry-schedule.js';

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
