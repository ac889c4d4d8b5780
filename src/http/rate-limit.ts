import { RateLimitedError } from '../errors/app-errors.js';

/** LaunchDarkly's REST limits reset every ten seconds; its headers describe such windows. */
export const rateWindowMs = 10_000;

/**
 * Callers remembered at once. A window is only worth keeping while it runs, so when the map is
 * full the expired ones go first and then the oldest; a caller forgotten early just starts a
 * fresh window, which errs on the side of letting a request through.
 */
const maxCallers = 10_000;

interface Window {
  readonly start: number;
  total: number;
  readonly byRoute: Map<string, number>;
}

export interface RateState {
  /** `X-Ratelimit-Global-Remaining`: requests this caller has left in the window, all routes. */
  readonly globalRemaining: number;
  /** `X-Ratelimit-Route-Remaining`: requests left on this route (method and path pattern). */
  readonly routeRemaining: number;
  /** `X-Ratelimit-Reset`: when the window ends, epoch ms. */
  readonly reset: number;
  /** Set when the request is over the limit (not counted): wait this long. */
  readonly retryAfterMs?: number;
}

/**
 * The REST API's limit per caller (an access token, or a browser session's member): at most
 * `limit` requests per fixed ten-second window over all routes, and as many on any one route.
 * In memory, per process: several API processes each allow `limit`. Counting is a map lookup
 * and two increments, so it costs nothing next to a request.
 */
export class RestRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    /** Requests per window; 0 turns the limit off. */
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Counts the request, unless it is over the limit (then `retryAfterMs` says how long to wait). */
  take(caller: string, route: string): RateState {
    const now = this.now();
    let window = this.windows.get(caller);
    if (window === undefined || now - window.start >= rateWindowMs) {
      this.windows.delete(caller);
      this.makeRoom(now);
      window = { start: now, total: 0, byRoute: new Map() };
      this.windows.set(caller, window);
    }
    const reset = window.start + rateWindowMs;
    const onRoute = window.byRoute.get(route) ?? 0;
    if (window.total >= this.limit || onRoute >= this.limit) {
      return {
        globalRemaining: Math.max(0, this.limit - window.total),
        routeRemaining: Math.max(0, this.limit - onRoute),
        reset,
        retryAfterMs: reset - now,
      };
    }
    window.total++;
    window.byRoute.set(route, onRoute + 1);
    return {
      globalRemaining: this.limit - window.total,
      routeRemaining: this.limit - onRoute - 1,
      reset,
    };
  }

  /** The 429 for a state `take` refused. */
  refusal(state: RateState): RateLimitedError {
    return new RateLimitedError(
      `Rate limit exceeded: at most ${this.limit} requests per ${rateWindowMs / 1000} seconds per access token or session`,
      state.retryAfterMs ?? 0,
    );
  }

  private makeRoom(now: number): void {
    if (this.windows.size < maxCallers) return;
    for (const [caller, window] of this.windows) {
      if (now - window.start >= rateWindowMs) this.windows.delete(caller);
    }
    // Down to 90 %, so that a crowd of live callers costs one scan per thousand newcomers, not each.
    while (this.windows.size >= maxCallers * 0.9) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
    }
  }
}
