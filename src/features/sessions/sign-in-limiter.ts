/**
 * Slows, then refuses, password guessing: failures are counted per account and per client
 * address in a sliding window. Past `slowAfter` failures each answer is delayed; past `refuseAfter`
 * sign-in is refused (429) until the window has passed, even with the right password.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly windowMs = 15 * 60_000,
    private readonly refuseAfter = { account: 10, address: 50 },
    private readonly slowAfter = 3,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Milliseconds until sign-in is allowed again for this account or address, or 0. */
  refusedFor(account: string, address: string, now: number): number {
    const a = this.recent(`a:${account}`, now);
    const b = this.recent(`i:${address}`, now);
    const wait = (list: number[], limit: number) =>
      list.length >= limit ? (list[list.length - limit] ?? now) + this.windowMs - now : 0;
    return Math.max(wait(a, this.refuseAfter.account), wait(b, this.refuseAfter.address));
  }

  /** How long to hold a failed answer: nothing for the first few, then growing to 2 s. */
  delayFor(account: string, now: number): number {
    const n = this.recent(`a:${account}`, now).length;
    return n < this.slowAfter ? 0 : Math.min(2_000, 250 * 2 ** (n - this.slowAfter));
  }

  fail(account: string, address: string, now: number): void {
    for (const key of [`a:${account}`, `i:${address}`])
      this.failures.set(key, [...this.recent(key, now), now]);
  }

  succeed(account: string): void {
    this.failures.delete(`a:${account}`);
  }
}
