/**
 * A send window: the times of a key's last sends, oldest first, at most `limit` of them. Pure,
 * so the in-memory limiter below and the one kept in the database (`DatabaseSendThrottle`) keep
 * the same rule.
 */
export type SendWindow = readonly number[];

/** How long until one more send fits `limit` sends per `windowMs` (0 = now); a limit of 0 is off. */
export function slotWaitMs(sends: SendWindow, limit: number, windowMs: number, now: number): number {
  if (limit === 0 || sends.length < limit) return 0;
  // The oldest of the last `limit` sends: once it leaves the window, a slot is free.
  const oldest = sends[sends.length - limit] as number;
  return Math.max(0, oldest + windowMs - now);
}

/** The window after a send at `now` (call only when `slotWaitMs` said 0). */
export function withSend(sends: SendWindow, limit: number, now: number): number[] {
  if (limit === 0) return [];
  return [...sends.slice(Math.max(0, sends.length + 1 - limit)), now];
}

/**
 * Sliding-window limits keyed by target (a HipChat room, a HipChat token): Switchboard paces
 * itself below the chat service's published limits, so a burst of changes is spread out instead
 * of answered with 429s. A token bucket would allow a full burst plus a window's refill inside
 * one window (60 messages in a minute for a 30/min limit), which is exactly what flood control
 * punishes, so each key keeps the times of its last `limit` sends (`SendWindow`).
 * A key can also be blocked until a time the target told us (a 429's reset), which holds back
 * every delivery that shares it.
 */
export class RateLimiter {
  private readonly sends = new Map<string, SendWindow>();
  private readonly blocked = new Map<string, number>();

  /** `limit` requests per `windowMs`; a limit of 0 turns the throttle off (blocks still apply). */
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** How long until a request may go (0 = now), without taking a slot. */
  waitMs(key: string, now: number): number {
    const blocked = Math.max(0, (this.blocked.get(key) ?? 0) - now);
    return Math.max(blocked, slotWaitMs(this.sends.get(key) ?? [], this.limit, this.windowMs, now));
  }

  /** Records a send; call only after `waitMs` said 0. */
  take(key: string, now: number): void {
    if (this.limit === 0) return;
    this.sends.set(key, withSend(this.sends.get(key) ?? [], this.limit, now));
  }

  /** The target said "not before": nothing with this key goes until then. */
  blockUntil(key: string, until: number): void {
    this.blocked.set(key, Math.max(until, this.blocked.get(key) ?? 0));
  }
}
