import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { remember } from '../../shared/bounded-cache.js';
import type { AuditEntry } from '../audit/audit-model.js';

/**
 * Audit entries kept in memory: every room hears a change within moments of the others, but a
 * busy room can be a thousand changes behind the API (primed entries must still be there).
 * A summary entry is a few KB.
 */
const entriesKept = 1_024;

/** The audit entries deliveries are about. Entries never change: one read serves every room. */
export class AuditEntryCache {
  private readonly entries = new Map<string, AuditEntry>();

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * An entry this process has just written, handed over so its deliveries need not read it
   * back. Harmless if the change then rolls back: no delivery of it will ever be claimed.
   */
  prime(entry: AuditEntry): void {
    remember(this.entries, entry._id, entry, entriesKept);
  }

  /**
   * Reads the entries of a lane's deliveries that are not kept yet, in one query: a worker in a
   * process of its own (PostgreSQL) read each one as it was sent, a round trip per delivery.
   */
  async prefetch(auditIds: readonly string[]): Promise<void> {
    const missing = [...new Set(auditIds)].filter((id) => !this.entries.has(id));
    if (missing.length === 0) return;
    const rows = await this.db
      .selectFrom('audit_entries')
      .select(['id', 'entry'])
      .where('id', 'in', missing)
      .execute();
    for (const row of rows) remember(this.entries, row.id, JSON.parse(row.entry) as AuditEntry, entriesKept);
  }

  async get(auditId: string): Promise<AuditEntry | undefined> {
    const cached = this.entries.get(auditId);
    if (cached !== undefined) return cached;
    const row = await this.db
      .selectFrom('audit_entries')
      .select('entry')
      .where('id', '=', auditId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const entry = JSON.parse(row.entry) as AuditEntry;
    remember(this.entries, auditId, entry, entriesKept);
    return entry;
  }
}
