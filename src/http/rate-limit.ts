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
  start: number;
  total: number;
  readonly byRoute: Map<string, number>;
  /** Requests counted here and not yet added to the shared count (`SharedRateCounts`). */
  unsent: number;
}

/** One caller's requests counted by this process since its last report, in its window. */
export interface RateReport {
  readonly caller: string;
  readonly start: number;
  readonly count: number;
}

/** A caller's window as every process counted it. */
export interface SharedWindow {
  readonly caller: string;
  readonly start: number;
  readonly total: number;
}

/**
 * The counts several API processes share (`shared-rate-counts.ts`, a row per caller): a report
 * adds each caller's requests to its window, or starts it afresh from the report's window if the
 * shared one has run out, and answers the windows as they are now.
 */
export interface SharedRateCounts {
  add(reports: readonly RateReport[], now: number): Promise<readonly SharedWindow[]>;
  /** The caller's window if it still runs at `now`. */
  window(caller: string, now: number): Promise<SharedWindow | undefined>;
}

export interface SharedRateOptions {
  readonly counts: SharedRateCounts;
  /** How often this process reports what it counted (and learns what the others did). */
  readonly everyMs: number;
  readonly onError: (error: unknown) => void;
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
 * Counting is a map lookup and two increments, so it costs nothing next to a request.
 *
 * With `shared` (several API processes on one PostgreSQL database), each process also reports
 * its counts every `everyMs` in one statement and takes the window as all processes counted it:
 * a caller has `limit` requests a window whichever process answers them, give or take what the
 * others let through since their last report. The route counts stay this process's own (on one
 * route a caller cannot pass the limit of all routes anyway).
 */
export class RestRateLimiter {
  private readonly windows = new Map<string, Window>();
  /** Shared windows being read for callers this process has none for (`ready`). */
  private readonly reading = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private reporting: Promise<void> | undefined;
  private closed = false;

  constructor(
    /** Requests per window; 0 turns the limit off. */
    private readonly limit: number,
    private readonly now: () => number = Date.now,
    private readonly shared?: SharedRateOptions,
  ) {}

  get enabled(): boolean {
    return this.limit > 0;
  }

  /**
   * Shared: reads the caller's window as every process counted it, when this process has none
   * running for it (its first request in a window here), so that `take` starts from what the
   * others let through. Undefined (nothing to wait for) otherwise; a failed read counts alone.
   */
  ready(caller: string): Promise<void> | undefined {
    const shared = this.shared;
    if (shared === undefined) return undefined;
    const now = this.now();
    const window = this.windows.get(caller);
    if (window !== undefined && now - window.start < rateWindowMs) return undefined;
    let reading = this.reading.get(caller);
    if (reading === undefined) {
      reading = shared.counts
        .window(caller, now)
        .then(
          (found) => {
            if (found !== undefined && this.windows.get(caller) === window)
              this.open(caller, found.start, found.total);
          },
          (error: unknown) => shared.onError(error),
        )
        .finally(() => this.reading.delete(caller));
      this.reading.set(caller, reading);
    }
    return reading;
  }

  /** Counts the request, unless it is over the limit (then `retryAfterMs` says how long to wait). */
  take(caller: string, route: string): RateState {
    const now = this.now();
    let window = this.windows.get(caller);
    if (window === undefined || now - window.start >= rateWindowMs) window = this.open(caller, now, 0);
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
    if (this.shared !== undefined) {
      window.unsent++;
      this.scheduleReport();
    }
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

  /**
   * Reports every caller's requests not yet reported and takes the shared windows back, now
   * (the timer calls it `everyMs` after a request was counted). A failed report keeps its
   * counts for the next one; meanwhile this process counts alone.
   */
  report(): Promise<void> {
    const previous = this.reporting;
    this.reporting = (async () => {
      await previous;
      await this.sendReport();
    })();
    return this.reporting;
  }

  /**
   * Stops reporting (the process is closing); what was not reported goes with it. A report on
   * its way is not waited for: with the database gone silent it could take the answer deadline.
   */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async sendReport(): Promise<void> {
    const shared = this.shared;
    if (shared === undefined) return;
    const now = this.now();
    const sent = new Map<string, { window: Window; count: number }>();
    for (const [caller, window] of this.windows) {
      if (window.unsent === 0 || now - window.start >= rateWindowMs) continue;
      sent.set(caller, { window, count: window.unsent });
      window.unsent = 0;
    }
    if (sent.size === 0) return;
    const reports = [...sent].map(([caller, { window, count }]) => ({ caller, start: window.start, count }));
    try {
      for (const { caller, start, total } of await shared.counts.add(reports, now)) {
        const mine = sent.get(caller)?.window;
        // A window that ran out while the report was on its way is not this one any more.
        if (mine === undefined || this.windows.get(caller) !== mine) continue;
        mine.start = start;
        mine.total = total + mine.unsent;
      }
    } catch (error) {
      for (const { window, count } of sent.values()) window.unsent += count;
      // Closing, the database may go before the report's answer: nothing to tell.
      if (!this.closed) shared.onError(error);
    }
  }

  private scheduleReport(): void {
    if (this.timer !== undefined || this.closed || this.shared === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.report();
    }, this.shared.everyMs);
    this.timer.unref();
  }

  private open(caller: string, start: number, total: number): Window {
    this.windows.delete(caller);
    this.makeRoom(this.now());
    const window = { start, total, byRoute: new Map<string, number>(), unsent: 0 };
    this.windows.set(caller, window);
    return window;
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
