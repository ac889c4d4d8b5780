/**
 * Reads of one key asked for in the same event-loop turn share one read. On PostgreSQL every
 * statement is a network round trip and about 0.2 ms of the server's CPU; eight clients toggling
 * with one access token looked it up eight times over, one statement each.
 *
 * A read is held until the turn's I/O callbacks have run (`setImmediate`) and only then started,
 * so every caller that shares it asked before it was sent: what it returns is no older than what
 * each of them would have read alone. A caller never joins a read already under way, which could
 * answer from before a change the caller saw committed (a token revoked, a role taken away).
 *
 * The value is handed to every caller that shared it, so it must be treated as read-only.
 */
export class SharedReads<K, V> {
  private waiting = new Map<K, Waiting<V>>();
  private scheduled = false;

  constructor(private readonly read: (key: K) => Promise<V>) {}

  get(key: K): Promise<V> {
    const found = this.waiting.get(key);
    if (found !== undefined) return found.promise;
    let settle!: Settle<V>;
    const promise = new Promise<V>((resolve, reject) => {
      settle = { resolve, reject };
    });
    this.waiting.set(key, { promise, settle });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.start());
    }
    return promise;
  }

  private start(): void {
    const batch = this.waiting;
    this.waiting = new Map();
    this.scheduled = false;
    for (const [key, { settle }] of batch) {
      try {
        this.read(key).then(settle.resolve, settle.reject);
      } catch (error) {
        settle.reject(error);
      }
    }
  }
}

interface Settle<V> {
  resolve(value: V): void;
  reject(reason: unknown): void;
}

interface Waiting<V> {
  readonly promise: Promise<V>;
  readonly settle: Settle<V>;
}
