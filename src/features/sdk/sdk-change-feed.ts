import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Notifier } from '../../db/database.js';
import type { FanOut } from '../audit/change-log.js';
import { decodeSdkChange, encodeSdkChange, type SdkChange, sdkChangesOf } from './sdk-change.js';

/** The LISTEN/NOTIFY channel that carries SDK-visible changes between API nodes (PostgreSQL). */
export const sdkChangeChannel = 'switchboard_sdk_changes';

export interface SdkChangeListener {
  /** Changes that committed, in commit order on this node. */
  changed(changes: readonly SdkChange[]): void;
  /** Changes may have been missed (the listening connection broke): read everything again. */
  resync(): void;
}

const firstRetryMs = 100;
const lastRetryMs = 5_000;

/**
 * The change feed: tells the SDK data plane of every node which flags and segments changed.
 *
 * In the change's transaction it notes what the change touches (and on PostgreSQL sends a
 * NOTIFY, which the database delivers to every node's listener only when the transaction
 * commits); after the commit it tells this node in memory. A change rolled back, alone or to its
 * savepoint in a group commit, tells nobody (see ChangeLog's after-commit effects).
 *
 * When the listening connection breaks, notifications may be lost: the feed listens again (with
 * backoff) and then asks for a resync, so a gap is healed by a full `put`, never left silent.
 */
export class SdkChangeFeed {
  private readonly listeners: SdkChangeListener[] = [];
  /** This process, so it skips its own notifications (it heard them in memory already). */
  private readonly node = randomUUID();
  private unlisten: (() => Promise<void>) | undefined;
  private retryMs = firstRetryMs;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly notifier: Notifier | undefined,
    private readonly logger: Logger,
  ) {}

  subscribe(listener: SdkChangeListener): void {
    this.listeners.push(listener);
  }

  /** For ChangeLog.addFanOut. */
  readonly fanOut: FanOut = async (tx, record, afterCommit) => {
    const changes = sdkChangesOf(record);
    if (changes.length === 0) return;
    if (this.notifier !== undefined) {
      for (const change of changes)
        await this.notifier.notify(tx, sdkChangeChannel, encodeSdkChange(this.node, change));
    }
    afterCommit(() => this.publish(changes));
  };

  /** Starts listening to other nodes (PostgreSQL); resolves once the first LISTEN is in place. */
  async start(): Promise<void> {
    if (this.notifier === undefined) return;
    // At start-up a database that cannot be listened to is a failed start, not a retry.
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

  private publish(changes: readonly SdkChange[]): void {
    for (const listener of this.listeners) listener.changed(changes);
  }

  /** Listens; on failure returns the error (a broken connection later calls `retry` itself). */
  private async listen(): Promise<unknown> {
    const notifier = this.notifier;
    if (notifier === undefined || this.closed) return undefined;
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      this.unlisten = undefined;
      if (this.closed) return;
      this.logger.warn('SDK change feed: the listening connection broke; listening again');
      this.retry();
    };
    try {
      const unlisten = await notifier.listen(sdkChangeChannel, (payload) => this.heard(payload), onLost);
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

  private heard(payload: string): void {
    // A listener that hears anything is healthy again.
    this.retryMs = firstRetryMs;
    const decoded = decodeSdkChange(payload);
    if (decoded === undefined) {
      this.logger.warn('SDK change feed: ignored a malformed notification');
      return;
    }
    if (decoded.node === this.node) return;
    this.publish([decoded.change]);
  }

  private retry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, lastRetryMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.listen().then((failure) => {
        if (failure !== undefined) {
          this.logger.warn({ err: failure }, 'SDK change feed: could not listen; retrying');
          this.retry();
          return;
        }
        // Listening again: whatever committed while nobody listened is read afresh.
        if (this.unlisten !== undefined) for (const listener of this.listeners) listener.resync();
      });
    }, delay);
    this.retryTimer.unref();
  }
}
