/**
 * Sliding-window limits keyed by target (a HipChat room, a HipChat token): Switchboard paces
 * itself below the chat service's published limits, so a burst of changes is spread out instead
 * of answered with 429s. A token bucket would allow a full burst plus a window's refill inside
 * one window (60 messages in a minute for a 30/min limit), which is exactly what flood control
 * punishes, so each key keeps the times of its last `limit` sends in a ring buffer.
 * A key can also be blocked until a time the target told us (a 429's reset), which holds back
 * every delivery that shares it.
 */
export class RateLimiter {
  private readonly sends = new Map<string, { times: number[]; next: number }>();
  private readonly blocked = new Map<string, number>();

  /** `limit` requests per `windowMs`; a limit of 0 turns the throttle off (blocks still apply). */
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** How long until a request may go (0 = now), without taking a slot. */
  waitMs(key: string, now: number): number {
    const blocked = Math.max(0, (this.blocked.get(key) ?? 0) - now);
    if (this.limit === 0) return blocked;
    const log = this.sends.get(key);
    // The oldest of the last `limit` sends: once it leaves the window, a slot is free.
    const oldest = log === undefined || log.times.length < this.limit ? undefined : log.times[log.next];
    const forSlot = oldest === undefined ? 0 : Math.max(0, oldest + this.windowMs - now);
    return Math.max(blocked, forSlot);
  }

  /** Records a send; call only after `waitMs` said 0. */
  take(key: string, now: number): void {
    if (this.limit === 0) return;
    let log = this.sends.get(key);
    if (log === undefined) {
      log = { times: [], next: 0 };
      this.sends.set(key, log);
    }
    if (log.times.length < this.limit) {
      log.times.push(now);
    } else {
      log.times[log.next] = now;
      log.next = (log.next + 1) % this.limit;
    }
  }

  /** The target said "not before": nothing with this key goes until then. */
  blockUntil(key: string, until: number): void {
    this.blocked.set(key, Math.max(until, this.blocked.get(key) ?? 0));
  }
}
