import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { RetentionPruner, type RetentionPrunerOptions } from '../../shared/retention-pruner.js';
import type { AuditPruneCursor, AuditStore } from './audit-store.js';

export interface AuditRetentionOptions
  extends Omit<RetentionPrunerOptions<AuditPruneCursor>, 'what' | 'prune'> {
  readonly db: Kysely<Database>;
  readonly audit: Pick<AuditStore, 'prune'>;
}

/**
 * Deletes audit entries dated more than `SWITCHBOARD_AUDIT_RETENTION_DAYS` ago (off by default:
 * the audit log is kept for ever unless the operator says otherwise), for teams whose policy
 * keeps a change history, and the member names and emails in it, only so long. An entry that a
 * kept delivery names stays until that delivery is pruned (`DeliveryRetention`).
 */
export class AuditRetention extends RetentionPruner<AuditPruneCursor> {
  constructor({ db, audit, ...options }: AuditRetentionOptions) {
    super({
      ...options,
      what: 'audit entries',
      prune: (before, limit, after) => audit.prune(db, before, limit, after),
    });
  }
}
