import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Notifier } from '../../db/database.js';
import { LastingListen } from '../../db/lasting-listen.js';
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

/**
 * The change feed: tells the SDK data plane of every node which flags and segments changed.
 *
 * In the change's transaction it notes what the change touches (and on PostgreSQL sends a
 * NOTIFY, which the database delivers to every node's listener only when the transaction
 * commits); after the commit it tells this node in memory. A change rolled back, alone or to its
 * savepoint in a group commit, tells nobody (see ChangeLog's after-commit effects).
 *
 * When the listening connection breaks or stops answering, notifications may be lost: the feed
 * listens again (db/lasting-listen.ts) and then asks for a resync, so a gap is healed by a full
 * `put`, never left silent.
 */
export class SdkChangeFeed {
  private readonly listeners: SdkChangeListener[] = [];
  /** This process, so it skips its own notifications (it heard them in memory already). */
  private readonly node = randomUUID();
  private readonly listening: LastingListen | undefined;

  constructor(
    private readonly notifier: Notifier | undefined,
    private readonly logger: Logger,
  ) {
    this.listening =
      notifier === undefined
        ? undefined
        : new LastingListen(notifier, sdkChangeChannel, {
            notice: (payload) => this.heard(payload),
            // Whatever committed while nobody listened is read afresh.
            resumed: () => {
              for (const listener of this.listeners) listener.resync();
            },
            lost: (cause) => logger.warn(`SDK change feed: ${cause.message}; listening again`),
            retryFailed: (error) =>
              logger.warn({ err: error }, 'SDK change feed: could not listen; retrying'),
          });
  }

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
    // At start-up a database that cannot be listened to is a failed start, not a retry.
    await this.listening?.start();
  }

  async close(): Promise<void> {
    await this.listening?.close();
  }

  private publish(changes: readonly SdkChange[]): void {
    for (const listener of this.listeners) listener.changed(changes);
  }

  private heard(payload: string): void {
    const decoded = decodeSdkChange(payload);
    if (decoded === undefined) {
      this.logger.warn('SDK change feed: ignored a malformed notification');
      return;
    }
    if (decoded.node === this.node) return;
    this.publish([decoded.change]);
  }
}
