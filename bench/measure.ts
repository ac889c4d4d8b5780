/** Timing helpers shared by the benchmarks: warm up, repeat, report the median. */

export interface RateResult {
  /** Median operations per second over the repetitions. */
  readonly median: number;
  readonly samples: readonly number[];
}

/**
 * Runs `batch(iterations)` once to warm up (so the JIT has optimised it), then `repetitions`
 * times under the clock. `batch` returns a value derived from every operation; the values are
 * summed into a sink that is printed by the caller, so no work can be optimised away.
 */
export function measureRate(
  batch: (iterations: number) => number,
  iterations: number,
  repetitions: number,
  sink: { value: number },
): RateResult {
  sink.value += batch(Math.max(1, Math.floor(iterations / 2)));
  sink.value += batch(Math.max(1, Math.floor(iterations / 2)));
  const samples: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const started = process.hrtime.bigint();
    sink.value += batch(iterations);
    const elapsedNs = Number(process.hrtime.bigint() - started);
    samples.push((iterations * 1e9) / elapsedNs);
  }
  return { median: median(samples), samples };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Deterministic PRNG (mulberry32) so every run builds the same fixtures. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const formatRate = (perSecond: number): string =>
  perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M/s` : `${(perSecond / 1e3).toFixed(1)} k/s`;
