import type { ReceivedRequest } from '../../test/helpers/fake-hipchat.js';

/** The comment the bench puts on each toggle shows up in the message as `<i>t0-123</i>`. */
const markerPattern = /<i>([tb][0-9-]+)<\/i>/;

/**
 * Watches what the fake HipChat receives: counts the flag notifications the bench caused (by
 * the marker in their comment), notes when each arrived relative to when its toggle was sent,
 * and counts everything else (e.g. "integration added" notifications during set-up) apart.
 */
export class NotificationTracker {
  /** Accepted (204) notifications carrying one of our markers, duplicates included. */
  delivered = 0;
  /** Accepted notifications of the same toggle to the same room more than once. */
  duplicates = 0;
  /** Accepted notifications without a marker: not flag toggles of this bench. */
  others = 0;
  /** Answers other than 204 (none are expected with the fake's limits off). */
  rejected = 0;
  /** `performance.now()` of the latest accepted flag notification. */
  lastAt = 0;
  /** Milliseconds from sending a toggle to its notification arriving, for `sent()` markers. */
  readonly latencies: number[] = [];

  private readonly seen = new Set<string>();
  private readonly sentAt = new Map<string, number>();
  private readonly waiters = new Set<() => void>();

  /** Wire this to `FakeHipChat`'s `onReceive`. */
  receive(request: ReceivedRequest): void {
    const at = performance.now();
    if (request.status !== 204) {
      this.rejected++;
    } else {
      const message = (request.body as { message?: unknown }).message;
      const marker = typeof message === 'string' ? markerPattern.exec(message)?.[1] : undefined;
      if (marker === undefined) {
        this.others++;
      } else {
        this.delivered++;
        this.lastAt = at;
        const key = `${request.roomId}:${marker}`;
        if (this.seen.has(key)) this.duplicates++;
        else {
          this.seen.add(key);
          const sent = this.sentAt.get(marker);
          if (sent !== undefined) this.latencies.push(at - sent);
        }
      }
    }
    for (const waiter of this.waiters) waiter();
  }

  /** Records when the toggle carrying `marker` was sent, to time its notifications. */
  sent(marker: string, at: number): void {
    this.sentAt.set(marker, at);
  }

  /** Unique (room, toggle) notifications received. */
  get unique(): number {
    return this.seen.size;
  }

  /** Starts a new phase: flag counts and timings go back to zero (`others` keeps counting). */
  resetPhase(): void {
    this.delivered = 0;
    this.duplicates = 0;
    this.lastAt = 0;
    this.latencies.length = 0;
    this.seen.clear();
    this.sentAt.clear();
  }

  /** Resolves true once `predicate` holds, false if `timeoutMs` passes first. */
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (met: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(met);
      };
      const check = () => {
        if (predicate()) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(check);
    });
  }
}
