import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ForbiddenError } from '../../errors/app-errors.js';
import { formatResource } from '../../policy/resource.js';
import { type Clock, newId } from '../../shared/ids.js';
import { buildAuditRecord, type ChangeDescription } from './audit-builder.js';
import type { AuditRecord } from './audit-model.js';
import type { AuditStore } from './audit-store.js';

export type ChangeInput = Omit<ChangeDescription, 'id' | 'date'>;

/** Records one change inside the use case's transaction. */
export type RecordChange = (change: ChangeInput) => Promise<AuditRecord>;

/**
 * Runs in the change's transaction after its audit entry is written. The delivery outbox
 * plugs in here, so a change, its entry and its delivery rows commit together or not at all.
 */
export type FanOut = (tx: Transaction<Database>, record: AuditRecord, seq: number) => Promise<void>;

/**
 * The unit of work of every mutating use case: one transaction that writes the resource and
 * appends its audit entries, then tells listeners (the delivery worker) after the commit.
 */
export class ChangeLog {
  private readonly fanOuts: FanOut[] = [];
  private readonly committedListeners: (() => void)[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditStore,
    private readonly baseUrl: string,
    private readonly clock: Clock,
  ) {}

  addFanOut(fanOut: FanOut): void {
    this.fanOuts.push(fanOut);
  }

  onCommitted(listener: () => void): void {
    this.committedListeners.push(listener);
  }

  now(): number {
    return this.clock();
  }

  async transact<T>(work: (tx: Transaction<Database>, record: RecordChange) => Promise<T>): Promise<T> {
    let recorded = 0;
    const result = await this.db.transaction().execute(async (tx) => {
      const record: RecordChange = async (change) => {
        // Authorization is the audit entry's own accesses: exactly the actions and resources the
        // change performs (one per environment for flag-wide changes), so nothing is unchecked
        // and a refusal rolls the whole change back.
        const can = change.actor.can;
        if (can !== undefined) {
          for (const a of change.accesses) {
            if (!can(a.action, a.resource))
              throw new ForbiddenError(`Not allowed: ${a.action} on ${formatResource(a.resource)}`);
          }
        }
        const audit = buildAuditRecord({ ...change, id: newId(), date: this.clock() }, this.baseUrl);
        const seq = await this.audit.append(tx, audit);
        for (const fanOut of this.fanOuts) await fanOut(tx, audit, seq);
        recorded++;
        return audit;
      };
      return work(tx, record);
    });
    if (recorded > 0) for (const listener of this.committedListeners) listener();
    return result;
  }
}
