import type { ListenOptions, Notifier } from './database.js';

export interface LastingListenHandlers {
  readonly notice: (payload: string) => void;
  /**
   * Listening again after a loss: whatever was sent meanwhile was not heard, so the caller looks
   * for itself (the SDK feed resyncs, a delivery worker claims).
   */
  readonly resumed: () => void;
  /** The connection was lost (`cause` says how); listening again follows. */
  readonly lost: (cause: Error) => void;
  /** Listening again failed; it is tried again later. */
  readonly retryFailed: (error: unknown) => void;
}

const firstRetryMs = 100;
const lastRetryMs = 5_000;

/**
 * A LISTEN that lasts as long as its owner: when its connection is lost (broken, or silent and
 * caught by the check in db/postgres-listen.ts) it listens again, after 100 ms doubling up to
 * 5 s while that fails, and then says `resumed`. Both the SDK change feed and a delivery worker
 * in a process of its own depend on it: without it, a restarted database left the worker on its
 * fallback poll and other nodes' changes away from this node's SDK streams until a restart.
 */
export class LastingListen {
  private unlisten: (() => Promise<void>) | undefined;
  private retryMs = firstRetryMs;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly notifier: Notifier,
    private readonly channel: string,
    private readonly handlers: LastingListenHandlers,
    private readonly options: ListenOptions = {},
  ) {}

  /** Listens; a first failure is the caller's (a failed start), later ones are retried here. */
  async start(): Promise<void> {
    const failure = await this.listen();
    if (failure !== undefined) throw failure;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.();
  }

  /** Listens; on failure returns the error (a connection lost later calls `retry` itself). */
  private async listen(): Promise<unknown> {
    if (this.closed) return undefined;
    let lost = false;
    const onLost = (cause: Error) => {
      if (lost) return;
      lost = true;
      this.unlisten = undefined;
      if (this.closed) return;
      this.handlers.lost(cause);
      this.retry();
    };
    const onNotice = (payload: string) => {
      // A listener that hears anything is healthy again.
      this.retryMs = firstRetryMs;
      this.handlers.notice(payload);
    };
    try {
      const unlisten = await this.notifier.listen(this.channel, onNotice, onLost, this.options);
      if (this.closed || lost) {
        await unlisten();
        return undefined;
      }
      this.unlisten = unlisten;
      return undefined;
    } catch (error) {
      lost = true;
      return error;
    }
  }

  private retry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, lastRetryMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.listen().then((failure) => {
        if (failure !== undefined) {
          this.handlers.retryFailed(failure);
          this.retry();
          return;
        }
        if (this.unlisten !== undefined) this.handlers.resumed();
      });
    }, delay);
    this.retryTimer.unref();
  }
}
