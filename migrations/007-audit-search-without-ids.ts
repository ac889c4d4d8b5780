import type { Kysely } from 'kysely';
import type { AuditEntry, TaggedAccess } from '../src/features/audit/audit-model.js';
import { searchText } from '../src/features/audit/audit-store.js';

/** Rows rewritten per read: bounded memory however long the audit log is. */
const batch = 500;

/**
 * The audit log's `q` searched the resource strings too, and with them the ids of members,
 * tokens, integrations and webhooks: `q=f1` matched entries whose ids contain "f1" (issue 16).
 * New entries store only what a person sees; this rebuilds the text of the entries before them.
 * It uses today's rule on purpose: a later change to the rule ships its own rebuild, and an
 * entry's stored JSON is all the rule reads.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export async function up(db: Kysely<any>): Promise<void> {
  let after = -1;
  for (;;) {
    const rows: { seq: number | string; entry: string; accesses: string; search: string }[] = await db
      .selectFrom('audit_entries')
      .select(['seq', 'entry', 'accesses', 'search'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(batch)
      .execute();
    for (const row of rows) {
      const search = searchText(
        JSON.parse(row.entry) as AuditEntry,
        JSON.parse(row.accesses) as TaggedAccess[],
      );
      if (search !== row.search) {
        await db.updateTable('audit_entries').set({ search }).where('seq', '=', row.seq).execute();
      }
    }
    if (rows.length < batch) return;
    after = Number(rows[rows.length - 1]?.seq);
  }
}
