import { describe, expect, it } from 'vitest';
import { NextDueLook } from './next-due.js';

describe('NextDueLook', () => {
  it('keeps an answer of "none" for a poll interval, and nothing else', async () => {
    const answers: (number | undefined)[] = [undefined, 5_000, undefined, undefined];
    const looks: number[] = [];
    const next = new NextDueLook(async (now) => {
      looks.push(now);
      return answers.shift();
    }, 1_000);
    expect(await next.dueAt(0)).toBeUndefined();
    expect(await next.dueAt(999)).toBeUndefined(); // kept: no look
    expect(await next.dueAt(1_000)).toBe(5_000); // a due time is never kept
    expect(await next.dueAt(1_001)).toBeUndefined();
    expect(looks).toEqual([0, 1_000, 1_001]);
    // A lane stopped before its queue was drained: it may have deferred one.
    next.forget();
    expect(await next.dueAt(1_002)).toBeUndefined();
    expect(looks).toEqual([0, 1_000, 1_001, 1_002]);
  });
});
