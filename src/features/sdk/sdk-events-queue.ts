import type { EvaluationCount } from './sdk-events-model.js';

export const hourMs = 3_600_000;

/** The start of the (UTC) hour `at` falls in. */
export const hourOf = (at: number): number => Math.floor(at / hourMs) * hourMs;

/** Stored for a counter that served the application's default instead of a variation. */
export const defaultVariation = -1;

export interface EnvironmentRef {
  readonly projectKey: string;
  readonly envKey: string;
}

export interface HourlyCount extends EnvironmentRef {
  readonly flagKey: string;
  /** The variation index, or `defaultVariation`. */
  readonly variation: number;
  readonly hour: number;
  readonly count: number;
}

export interface LastEvaluated extends EnvironmentRef {
  readonly flagKey: string;
  readonly at: number;
}

export interface EvaluationBatch {
  readonly counts: readonly HourlyCount[];
  readonly last: readonly LastEvaluated[];
}

export interface EvaluationQueueOptions {
  /**
   * The most distinct (environment, flag, variation, hour) counters held between flushes. Each
   * is about 200 bytes, so 50,000 hold about 10 MB; a busy node sees far fewer (flags × variations
   * × environments), however many evaluations it counts.
   */
  readonly capacity: number;
  readonly flushIntervalMs: number;
  /** Evaluations not counted because the queue was full (or a failed write left no room). */
  readonly onDropped: (evaluations: number) => void;
  /** A batch could not be written; it is put back and tried again at the next flush. */
  readonly onWriteError: (error: unknown) => void;
}

const idOf = (...parts: readonly (string | number)[]): string => parts.join('\u0000');

/**
 * Counts evaluations in memory, off the request path, and writes them in batches. What it holds
 * is already summed per counter, so its memory grows with the number of distinct counters, never
 * with the traffic; past `capacity` new counters are dropped and reported, never queued.
 */
export class EvaluationQueue {
  private counts = new Map<string, { -readonly [K in keyof HourlyCount]: HourlyCount[K] }>();
  private last = new Map<string, { -readonly [K in keyof LastEvaluated]: LastEvaluated[K] }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly write: (batch: EvaluationBatch) => Promise<void>,
    private readonly options: EvaluationQueueOptions,
  ) {}

  /** Counters pending a write. */
  get size(): number {
    return this.counts.size;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs);
    // Counting must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  /** Counts one payload's evaluations of one environment, made at `at` (epoch ms). */
  add(env: EnvironmentRef, evaluations: readonly EvaluationCount[], at: number): void {
    const dropped = this.merge(
      evaluations.map((e) => ({
        ...env,
        flagKey: e.flagKey,
        variation: e.variation ?? defaultVariation,
        hour: hourOf(at),
        count: e.count,
      })),
      evaluations.map((e) => ({ ...env, flagKey: e.flagKey, at })),
    );
    if (dropped > 0) this.options.onDropped(dropped);
    // Half full: write now rather than wait for the timer, so a burst of new counters fits.
    // flush() never rejects (a failed write is reported and retried).
    if (this.counts.size >= this.options.capacity / 2) void this.flush();
  }

  /** Writes what is pending; waits for a write already under way first. Never rejects. */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    if (this.counts.size === 0) return;
    const batch = { counts: [...this.counts.values()], last: [...this.last.values()] };
    this.counts = new Map();
    this.last = new Map();
    this.flushing = this.write(batch).then(
      () => undefined,
      (error: unknown) => {
        this.options.onWriteError(error);
        const dropped = this.merge(batch.counts, batch.last);
        if (dropped > 0) this.options.onDropped(dropped);
      },
    );
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Adds counters (and their last-evaluated dates) that fit; returns the evaluations dropped. */
  private merge(counts: readonly HourlyCount[], last: readonly LastEvaluated[]): number {
    let dropped = 0;
    const admitted = new Set<string>();
    for (const c of counts) {
      const id = idOf(c.projectKey, c.envKey, c.flagKey, c.variation, c.hour);
      const pending = this.counts.get(id);
      if (pending !== undefined) pending.count += c.count;
      else if (this.counts.size < this.options.capacity) this.counts.set(id, { ...c });
      else {
        dropped += c.count;
        continue;
      }
      admitted.add(idOf(c.projectKey, c.envKey, c.flagKey));
    }
    // Only flags with a counter held: so the dates never outnumber the counters.
    for (const l of last) {
      const id = idOf(l.projectKey, l.envKey, l.flagKey);
      if (!admitted.has(id)) continue;
      const pending = this.last.get(id);
      if (pending === undefined) this.last.set(id, { ...l });
      else pending.at = Math.max(pending.at, l.at);
    }
    return dropped;
  }
}
