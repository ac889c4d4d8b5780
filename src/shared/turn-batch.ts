/**
 * What is asked for in the same event-loop turn, done together: one answer per key, however many
 * callers asked for it, and the turn's keys handed to `answerMany` at once (which may answer them
 * in one statement). On PostgreSQL every statement is a network round trip and about 0.2 ms of
 * the server's CPU; eight clients toggling with one access token looked it up eight times over.
 * Used for reads (a token's lookup, the flags changes start with) and for the last statements of
 * changes (db/transaction-tail.ts).
 *
 * Nothing is started until the turn's I/O callbacks have run (`setImmediate`), so every caller
 * that shares a read asked before it was sent: what it returns is no older than what each would
 * have read alone. A caller never joins a read already under way, which could answer from before
 * a change the caller saw committed (a token revoked, a role taken away).
 *
 * A value is handed to every caller of its key, so it must be treated as read-only.
 */
export class TurnBatch<K, V, C = undefined> {
  private waiting = new Map<K, Waiting<V, C>>();
  private scheduled = false;

  /**
   * `answerMany` answers each key, in the order given, with its value or its failure. `contexts`
   * are what the first caller of each key passed to `get` (a transaction to read in).
   */
  constructor(
    private readonly answerMany: (
      keys: readonly K[],
      contexts: readonly C[],
    ) => Promise<readonly PromiseSettledResult<V>[]>,
  ) {}

  /** Reads one at a time, each on its own (`read`), shared only between callers of one key. */
  static each<K, V>(read: (key: K) => Promise<V>): TurnBatch<K, V> {
    return new TurnBatch((keys) => Promise.allSettled(keys.map(async (key) => read(key))));
  }

  get(key: K, ...[context]: C extends undefined ? [] : [C]): Promise<V> {
    const found = this.waiting.get(key);
    if (found !== undefined) return found.promise;
    let settle!: Settle<V>;
    const promise = new Promise<V>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.waiting.set(key, { promise, settle, context: context as C });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.start());
    }
    return promise;
  }

  private async start(): Promise<void> {
    const batch = [...this.waiting.entries()];
    this.waiting = new Map();
    this.scheduled = false;
    try {
      const results = await this.answerMany(
        batch.map(([key]) => key),
        batch.map(([, waiting]) => waiting.context),
      );
      batch.forEach(([, { settle }], i) => {
        const result = results[i];
        if (result === undefined) settle.reject(new Error('a shared read gave no answer'));
        else if (result.status === 'fulfilled') settle.resolve(result.value);
        else settle.reject(result.reason);
      });
    } catch (error) {
      for (const [, { settle }] of batch) settle.reject(error);
    }
  }
}

interface Settle<V> {
  resolve(value: V): void;
  reject(reason: unknown): void;
}

interface Waiting<V, C> {
  readonly promise: Promise<V>;
  readonly settle: Settle<V>;
  readonly context: C;
}
