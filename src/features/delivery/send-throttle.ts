import type { ChannelLimit, ChannelRegistry, ThrottleKey } from './delivery-channel.js';
import { RateLimiter } from './rate-limiter.js';

/**
 * Paces sends under the chat services' limits (`ChannelLimit`): each send counts against its
 * keys (a HipChat room and token, a Slack channel), and goes only when every key has a slot.
 * Kept in the database (`DatabaseSendThrottle`): shared by every worker on PostgreSQL, where
 * several processes send to one room, and kept across restarts on both engines. A throttle the
 * operator turned off stays in memory (`MemorySendThrottle`).
 */
export interface SendThrottle {
  /**
   * Takes a slot under every key for a send at `now` and resolves to 0, or takes none and
   * resolves to how long until every key has one.
   */
  take(keys: readonly ThrottleKey[], now: number): Promise<number>;
  /** The target said "not before" (a 429's reset): nothing under these keys goes until then. */
  blockUntil(keys: readonly ThrottleKey[], until: number): Promise<void>;
}

/** Each channel's limits by limiter name (`hipchat-room`, `slack-channel`, …). */
export function channelLimits(channels: ChannelRegistry): Map<string, ChannelLimit> {
  const limits = new Map<string, ChannelLimit>();
  for (const channel of channels.values()) for (const l of channel.limits) limits.set(l.limiter, l);
  return limits;
}

/** A limiter name no channel declares has no limit; its blocks still apply. */
export const unlimited = (limiter: string): ChannelLimit => ({ limiter, limit: 0, windowMs: 1 });

/** `SendThrottle` in this process's memory: one `RateLimiter` per limiter. */
export class MemorySendThrottle implements SendThrottle {
  private readonly limiters = new Map<string, RateLimiter>();

  constructor(private readonly limits: ReadonlyMap<string, ChannelLimit>) {}

  /** Synchronous: its answer is known at once (`take` only wraps it). */
  takeNow(keys: readonly ThrottleKey[], now: number): number {
    const wait = Math.max(0, ...keys.map((k) => this.limiter(k.limiter).waitMs(k.key, now)));
    if (wait === 0) for (const k of keys) this.limiter(k.limiter).take(k.key, now);
    return wait;
  }

  async take(keys: readonly ThrottleKey[], now: number): Promise<number> {
    return this.takeNow(keys, now);
  }

  blockNow(keys: readonly ThrottleKey[], until: number): void {
    for (const k of keys) this.limiter(k.limiter).blockUntil(k.key, until);
  }

  async blockUntil(keys: readonly ThrottleKey[], until: number): Promise<void> {
    this.blockNow(keys, until);
  }

  private limiter(name: string): RateLimiter {
    let limiter = this.limiters.get(name);
    if (limiter === undefined) {
      const { limit, windowMs } = this.limits.get(name) ?? unlimited(name);
      limiter = new RateLimiter(limit, windowMs);
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}
