import { describe, expect, it } from 'vitest';
import type { ChannelLimit, ThrottleKey } from './delivery-channel.js';
import { MemorySendThrottle } from './send-throttle.js';

const limits = new Map<string, ChannelLimit>([
  ['room', { limiter: 'room', limit: 2, windowMs: 60_000 }],
  ['token', { limiter: 'token', limit: 3, windowMs: 300_000 }],
]);

const room = (key: string): ThrottleKey => ({ limiter: 'room', key });
const token = (key: string): ThrottleKey => ({ limiter: 'token', key });

describe('MemorySendThrottle', () => {
  it('takes every key of a send or none', async () => {
    const throttle = new MemorySendThrottle(limits);
    expect(await throttle.take([room('a'), token('t')], 0)).toBe(0);
    expect(await throttle.take([room('a'), token('t')], 0)).toBe(0);
    expect(await throttle.take([room('b'), token('t')], 0)).toBe(0);
    // The token is spent: room b keeps its second slot.
    expect(await throttle.take([room('b'), token('t')], 1_000)).toBe(299_000);
    expect(await throttle.take([room('b'), token('u')], 1_000)).toBe(0);
    expect(await throttle.take([room('b')], 1_000)).toBe(59_000);
  });

  it('holds back a key a target blocked, also one no channel limits', async () => {
    const throttle = new MemorySendThrottle(limits);
    const other = { limiter: 'other', key: 'x' };
    await throttle.blockUntil([other], 5_000);
    expect(await throttle.take([other], 1_000)).toBe(4_000);
    expect(await throttle.take([other], 5_000)).toBe(0);
  });
});
