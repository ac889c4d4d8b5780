import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Notifier } from '../../db/database.js';
import { LastingListen } from '../../db/lasting-listen.js';
import type { Database, Executor } from '../../db/schema.js';
import type { TaggedAccess } from '../../policy/resource.js';
import type { AuditEntry } from '../audit/audit-model.js';
import type { ChangeLog, FanOut } from '../audit/change-log.js';
import type { DeliveryQueue } from './queue/delivery-queue.js';

/** The LISTEN/NOTIFY channel that wakes delivery workers in other processes (PostgreSQL). */
export const deliveryNoticeChannel = 'switchboard_deliveries';

/** Which enabled integrations hear a change (the integrations' compiled filters). */
export interface IntegrationMatcher {
  matching(db: Executor, accesses: readonly TaggedAccess[]): Promise<string[]>;
}

/**
 * Subscribes a worker to other processes' delivery notices: `onNotice` gets the integrations a
 * change queued for, or undefined when any may have work (a notice naming none, a LISTEN lost).
 */
export type DeliveryListen = (
  onNotice: (integrationIds: ReadonlySet<string> | undefined) => void,
) => Promise<() => Promise<void>>;

/** This process's worker, as far as fan-out is concerned. */
export interface WakeableWorker {
  wake(integrationIds?: ReadonlySet<string>): void;
  prime(entry: AuditEntry): void;
}

export interface DeliveryFanOutOptions {
  readonly integrations: IntegrationMatcher;
  readonly queue: Pick<DeliveryQueue, 'enqueue'>;
  /** Undefined on SQLite: one process, woken in memory. */
  readonly notifier: Notifier | undefined;
  /** Undefined when this process does not deliver (`SWITCHBOARD_ROLE=api`). */
  readonly worker: WakeableWorker | undefined;
  /** Where notices outside a change are sent from (`wake`). */
  readonly db?: Kysely<Database> | undefined;
}

/**
 * From a committed change to a worker sending it: in the change's transaction, one delivery row
 * per enabled integration whose filter matches (so the change, its entry and its deliveries
 * commit together or not at all) and a NOTIFY for the workers of other processes; once it has
 * committed, this process's worker is woken in memory for the integrations queued.
 */
export class DeliveryFanOut {
  /**
   * Which integrations the committed changes queued for; an empty set means "look anyway"
   * (another transaction's commit may have taken the ids before this one committed).
   */
  private queuedFor = new Set<string>();

  constructor(private readonly options: DeliveryFanOutOptions) {}

  /** Plugs into every change's transaction and commit. */
  attach(changes: Pick<ChangeLog, 'addFanOut' | 'onCommitted'>): this {
    changes.addFanOut(this.fanOut);
    changes.onCommitted(() => this.committed());
    return this;
  }

  /**
   * An integration's queue changed outside a change (a delivery re-sent by hand, a waiting head
   * made due by a successful test): this process's worker looks now, and on PostgreSQL a notice
   * tells the workers of other processes, which would otherwise wait for their poll. A notice
   * that fails leaves them to it.
   */
  async wake(integrationId: string): Promise<void> {
    this.options.worker?.wake(new Set([integrationId]));
    const { notifier, db } = this.options;
    if (notifier === undefined || db === undefined) return;
    await notifier.notify(db, deliveryNoticeChannel, deliveryNotice([integrationId])).catch(() => undefined);
  }

  private readonly fanOut: FanOut = async (tx, record) => {
    const { integrations, queue, notifier, worker } = this.options;
    const ids = await integrations.matching(tx, record.taggedAccesses);
    const { entry } = record;
    await queue.enqueue(tx, { integrationIds: ids, auditId: entry._id, kind: entry.kind, at: entry.date });
    for (const id of ids) this.queuedFor.add(id);
    if (ids.length === 0) return;
    worker?.prime(entry);
    // Other processes' workers hear about it on commit; this process is woken in memory.
    await notifier?.notify(tx, deliveryNoticeChannel, deliveryNotice(ids));
  };

  private committed(): void {
    const ids = this.queuedFor;
    this.queuedFor = new Set();
    if (ids.size === 0) this.options.worker?.wake();
    else this.options.worker?.wake(ids);
  }
}

/** Longest list of integration ids a notice names (PostgreSQL takes payloads under 8,000 bytes). */
const noticeIdsLength = 7_000;

/**
 * A delivery notice names the integrations the change queued for, as the in-memory wake-up
 * does: a worker in another process then goes on with their lanes and brings forward a head
 * waiting for a retry behind which a change now waits. Too many to name: "" (look at all).
 */
export function deliveryNotice(integrationIds: readonly string[]): string {
  const payload = integrationIds.join(',');
  return payload.length <= noticeIdsLength ? payload : '';
}

/** The integrations a delivery notice names; undefined for a notice that names none (look at all). */
export function noticedIntegrations(payload: string): ReadonlySet<string> | undefined {
  return payload === '' ? undefined : new Set(payload.split(','));
}

/**
 * The worker's subscription to other processes' notices (PostgreSQL LISTEN); none on SQLite. Its
 * own process's changes wake it in memory (`DeliveryFanOut`), with the integrations they queued
 * for: hearing them again from the database would cost a claim that finds nothing each. A lost
 * connection is listened on again (`LastingListen`), and the worker then looks at the queue: a
 * change may have committed while nobody listened, and the fallback poll may be far away.
 */
export function listenForDeliveries(notifier: Notifier | undefined, log: Logger): DeliveryListen | undefined {
  if (notifier === undefined) return undefined;
  return async (onNotice) => {
    const listening = new LastingListen(
      notifier,
      deliveryNoticeChannel,
      {
        notice: (payload) => onNotice(noticedIntegrations(payload)),
        resumed: () => onNotice(undefined),
        lost: (cause) => log.warn(`delivery worker: ${cause.message}; listening again`),
        retryFailed: (error) => log.warn({ err: error }, 'delivery worker: could not listen; retrying'),
      },
      { othersOnly: true },
    );
    await listening.start();
    return () => listening.close();
  };
}
