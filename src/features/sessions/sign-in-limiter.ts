/**
 * Slows, then refuses, password guessing: attempts are counted per account and per client
 * address in a sliding window. Past `slowAfter` failures each answer is delayed; past
 * `refuseAfter` sign-in is refused (429) until the window has passed, even with the right password.
 *
 * An attempt counts from the moment it is admitted, before its password is checked: counting it
 * only once the ~60 ms hash had said "wrong" let guesses sent all at once each find the count
 * still low (30 in parallel all got 401). It stops counting only if it succeeds.
 */
export class SignInLimiter {
  private readonly attempts = new Map<string, readonly number[]>();

  constructor(
    private readonly windowMs = 15 * 60_000,
    private readonly refuseAfter = { account: 10, address: 50 },
    private readonly slowAfter = 3,
  ) {}

  private recent(key: string, now: number): readonly number[] {
    const list = (this.attempts.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.attempts.delete(key);
    else this.attempts.set(key, list);
    return list;
  }

  /**
   * Counts an attempt as failed until it succeeds, and answers 0; or, when the account or the
   * address has used up its attempts, answers how many milliseconds until it may try again, and
   * counts nothing (a refused attempt costs no hash, so it need not push the window further).
   */
  admit(account: string, address: string, now: number): number {
    const a = this.recent(`a:${account}`, now);
    const b = this.recent(`i:${address}`, now);
    const wait = (list: readonly number[], limit: number) =>
      list.length >= limit ? (list[list.length - limit] ?? now) + this.windowMs - now : 0;
    const refused = Math.max(wait(a, this.refuseAfter.account), wait(b, this.refuseAfter.address));
    if (refused > 0) return refused;
    this.attempts.set(`a:${account}`, [...a, now]);
    this.attempts.set(`i:${address}`, [...b, now]);
    return 0;
  }

  /**
   * How long to hold the answer to an admitted attempt that failed (it is counted already):
   * nothing for the first few, then growing to 2 s. Attempts still in flight count too, so
   * guesses sent together are all held the longest.
   */
  delayFor(account: string, now: number): number {
    const n = this.recent(`a:${account}`, now).length;
    return n <= this.slowAfter ? 0 : Math.min(2_000, 250 * 2 ** (n - 1 - this.slowAfter));
  }

  /**
   * The attempt admitted at `admittedAt` succeeded: the account's failures are forgiven, and
   * the attempt no longer counts against the address (a shared office address is not locked by
   * its members signing in).
   */
  succeed(account: string, address: string, admittedAt: number): void {
    this.attempts.delete(`a:${account}`);
    const list = this.attempts.get(`i:${address}`) ?? [];
    const at = list.lastIndexOf(admittedAt);
    if (at < 0) return;
    const rest = list.toSpliced(at, 1);
    if (rest.length === 0) this.attempts.delete(`i:${address}`);
    else this.attempts.set(`i:${address}`, rest);
  }
}
