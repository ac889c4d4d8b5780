import { describe, expect, it } from 'vitest';
import { type EvaluationBatch, EvaluationQueue, hourMs } from './sdk-events-queue.js';

const env = { projectKey: 'p', envKey: 'production' };

function queue(capacity: number, write: (batch: EvaluationBatch) => Promise<void>) {
  const seen = { dropped: 0, errors: 0 };
  const q = new EvaluationQueue(write, {
    capacity,
    flushIntervalMs: 60_000,
    onDropped: (n) => {
      seen.dropped += n;
    },
    onWriteError: () => {
      seen.errors++;
    },
  });
  return { q, seen };
}

describe('EvaluationQueue', () => {
  it('sums counters per flag, variation and hour, and keeps the latest date per flag', async () => {
    const batches: EvaluationBatch[] = [];
    const { q } = queue(100, async (b) => {
      batches.push(b);
    });
    const at = 10 * hourMs + 5;
    q.add(env, [{ flagKey: 'f', variation: 0, count: 2 }], at);
    q.add(
      env,
      [
        { flagKey: 'f', variation: 0, count: 3 },
        { flagKey: 'f', variation: null, count: 1 },
      ],
      at + 10,
    );
    q.add(env, [{ flagKey: 'f', variation: 0, count: 1 }], at + hourMs);
    await q.flush();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.counts).toEqual([
      { ...env, flagKey: 'f', variation: 0, hour: 10 * hourMs, count: 5 },
      { ...env, flagKey: 'f', variation: -1, hour: 10 * hourMs, count: 1 },
      { ...env, flagKey: 'f', variation: 0, hour: 11 * hourMs, count: 1 },
    ]);
    expect(batches[0]?.last).toEqual([{ ...env, flagKey: 'f', at: at + hourMs }]);
    await q.flush();
    expect(batches).toHaveLength(1);
  });

  it('drops new counters past its capacity and reports the evaluations dropped', async () => {
    const batches: EvaluationBatch[] = [];
    // A write that waits: the half-full flush it starts keeps the queue busy.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const { q, seen } = queue(4, async (b) => {
      batches.push(b);
      await held;
    });
    for (let i = 0; i < 10; i++) q.add(env, [{ flagKey: `f${i}`, variation: 0, count: 7 }], 0);
    // 2 went into the first (held) write, 4 wait, 4 were dropped.
    expect(q.size).toBe(4);
    expect(seen.dropped).toBe(4 * 7);
    release();
    await q.close();
    expect(batches.flatMap((b) => b.counts.map((c) => c.flagKey))).toEqual([
      'f0',
      'f1',
      'f2',
      'f3',
      'f4',
      'f5',
    ]);
    expect(batches.flatMap((b) => b.last)).toHaveLength(6);
  });

  it('puts a batch that failed to write back, and writes it with the next flush', async () => {
    let fail = true;
    const written: EvaluationBatch[] = [];
    const { q, seen } = queue(100, async (b) => {
      if (fail) throw new Error('database is down');
      written.push(b);
    });
    q.add(env, [{ flagKey: 'f', variation: 1, count: 3 }], 0);
    await q.flush();
    expect(seen.errors).toBe(1);
    q.add(env, [{ flagKey: 'f', variation: 1, count: 2 }], 0);
    fail = false;
    await q.flush();
    expect(written.flatMap((b) => b.counts)).toEqual([
      { ...env, flagKey: 'f', variation: 1, hour: 0, count: 5 },
    ]);
    expect(seen.dropped).toBe(0);
  });
});
