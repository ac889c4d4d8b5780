import { sql } from 'kysely';
import { prepareQuery } from '../../db/prepared-query.js';
import type { Executor } from '../../db/schema.js';
import type { TransactionTail } from '../../db/transaction-tail.js';
import type { PrunedBatch } from '../../shared/retention-pruner.js';
import type { AuditEntry, AuditEntryDetail, AuditRecord, TaggedAccess } from './audit-model.js';
import { namedEntries } from './named-entries.js';

export interface AuditQuery {
  readonly before?: number | undefined;
  readonly after?: number | undefined;
  readonly q?: string | undefined;
  /** Called on each candidate; entries it rejects are skipped (resource/policy filters). */
  readonly accept?: ((accesses: readonly TaggedAccess[]) => boolean) | undefined;
  readonly limit: number;
  /** Continue after this entry (exclusive), for the next page. */
  readonly cursor?: number | undefined;
}

/** Where the audit log's retention left off in a pass: the last entry its batch looked at. */
export interface AuditPruneCursor {
  readonly date: number;
  readonly seq: number;
}

export interface AuditPage {
  readonly items: AuditEntry[];
  /** Sequence number of the last item when there may be more, for `_links.next`. */
  readonly nextCursor: number | undefined;
}

/** Resource types named by a key a person chose (`flag/new-checkout`); the others carry ids. */
const keyedTypes = new Set(['proj', 'env', 'flag', 'segment', 'metric', 'role']);

/** A Markdown title as it reads: link text without the address, escapes and code marks undone. */
function visibleText(markdown: string): string {
  return markdown
    .replace(/\[((?:\\.|[^\]\\])*)\]\([^)]*\)/g, '$1')
    .replace(/\\(.)/g, '$1')
    .replace(/`/g, '');
}

/**
 * What `q` searches: what a person sees of an entry (names, the title as it reads, keys, member
 * emails and names, the token's name, the comment), never ids: `q=f1` must not match an entry
 * because a member's or token's 24-hex id happens to contain "f1" (issue 16). Migration 007
 * rebuilds the stored text of older entries with this rule.
 */
export function searchText(entry: AuditEntry, accesses: readonly TaggedAccess[]): string {
  const keys = accesses.flatMap((a) =>
    a.resource.flatMap((s) => [...(keyedTypes.has(s.type) ? [s.key] : []), ...(s.aliases ?? [])]),
  );
  return [
    entry.name,
    visibleText(entry.title),
    entry.member?.email,
    entry.member?.firstName,
    entry.member?.lastName,
    entry.token?.name,
    entry.comment,
    entry.parent?.name,
    ...new Set(keys),
  ]
    .filter((s) => s !== undefined && s !== '')
    .join('\n')
    .toLowerCase();
}

const pageScan = 200;

const insertEntry = prepareQuery(
  (
    db,
    id: string,
    date: number,
    kind: string,
    search: string,
    accesses: string,
    entry: string,
    previousVersion: string | null,
    currentVersion: string | null,
    delta: string | null,
  ) =>
    db.insertInto('audit_entries').values({
      id,
      date,
      kind,
      search,
      accesses,
      entry,
      previous_version: previousVersion,
      current_version: currentVersion,
      delta,
    }),
);

const entryById = prepareQuery((db, id: string) =>
  db
    .selectFrom('audit_entries')
    .select(['entry', 'accesses', 'previous_version', 'current_version', 'delta'])
    .where('id', '=', id),
);

/** Append-only: entries are written in the same transaction as the change they describe. */
export class AuditStore {
  /** `tail`: PostgreSQL's, where an entry waits for its change's last statement. */
  constructor(private readonly tail?: TransactionTail) {}

  /** Appends the entry, in the change's last statement where the transaction holds its writes. */
  async append(db: Executor, record: AuditRecord): Promise<void> {
    const e = record.entry;
    const args = [
      e._id,
      e.date,
      e.kind,
      searchText(e, record.taggedAccesses),
      JSON.stringify(record.taggedAccesses),
      JSON.stringify(e),
      record.previousVersion === undefined ? null : JSON.stringify(record.previousVersion),
      record.currentVersion === undefined ? null : JSON.stringify(record.currentVersion),
      record.delta === undefined ? null : JSON.stringify(record.delta),
    ] as const;
    if (this.tail?.holds(db)) {
      await this.tail.write(db, { query: insertEntry.compile(db, ...args), table: 'audit_entries' });
      return;
    }
    await insertEntry.run(db, ...args);
  }

  /** The entry, if it exists and `visible` accepts its accesses. */
  async get(
    db: Executor,
    id: string,
    visible: (accesses: readonly TaggedAccess[]) => boolean,
  ): Promise<AuditEntryDetail | undefined> {
    const row = await entryById.first(db, id);
    if (row === undefined || !visible(JSON.parse(row.accesses) as TaggedAccess[])) return undefined;
    const detail = JSON.parse(row.entry) as AuditEntryDetail;
    if (row.previous_version !== null) detail.previousVersion = JSON.parse(row.previous_version);
    if (row.current_version !== null) detail.currentVersion = JSON.parse(row.current_version);
    if (row.delta !== null) detail.delta = JSON.parse(row.delta);
    return detail;
  }

  /**
   * Newest first. The resource filter runs in the application (it needs the policy engine's
   * exact semantics), so rows are scanned in batches until the page is full.
   */
  async list(db: Executor, query: AuditQuery): Promise<AuditPage> {
    const items: AuditEntry[] = [];
    let cursor = query.cursor;
    let lastSeq: number | undefined;
    for (;;) {
      let select = db
        .selectFrom('audit_entries')
        .select(['seq', 'entry', 'accesses'])
        .orderBy('seq', 'desc')
        .limit(pageScan);
      if (cursor !== undefined) select = select.where('seq', '<', cursor);
      if (query.before !== undefined) select = select.where('date', '<', query.before);
      if (query.after !== undefined) select = select.where('date', '>', query.after);
      if (query.q !== undefined && query.q !== '') {
        const needle = query.q.toLowerCase();
        // LIKE with the wildcards escaped works the same on SQLite and PostgreSQL; `search` and
        // the needle are both lower-cased, so case never matters.
        const pattern = `%${needle.replace(/[\\%_]/g, '\\$&')}%`;
        select = select.where(sql<boolean>`${sql.ref('search')} like ${pattern} escape '\\'`);
      }
      const rows = await select.execute();
      for (const row of rows) {
        const seq = Number(row.seq);
        if (query.accept !== undefined && !query.accept(JSON.parse(row.accesses) as TaggedAccess[])) continue;
        items.push(JSON.parse(row.entry) as AuditEntry);
        lastSeq = seq;
        if (items.length === query.limit) return { items, nextCursor: lastSeq };
      }
      if (rows.length < pageScan) return { items, nextCursor: undefined };
      cursor = Number(rows[rows.length - 1]?.seq);
    }
  }

  /** The most recent entries with their tagged accesses (for previews of a policy). */
  async recent(db: Executor, limit: number): Promise<{ entry: AuditEntry; accesses: TaggedAccess[] }[]> {
    const rows = await db
      .selectFrom('audit_entries')
      .select(['entry', 'accesses'])
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      entry: JSON.parse(r.entry) as AuditEntry,
      accesses: JSON.parse(r.accesses) as TaggedAccess[],
    }));
  }

  /**
   * One batch of the audit log's retention: of the next `limit` entries dated before `before`,
   * oldest first from `after` on, deletes those no delivery names. An entry a kept delivery
   * names stays: the delivery is rendered, shown and re-sent from it. Nothing names an old
   * entry anew (a delivery is written with its entry, a re-send updates its row), so the delete
   * needs no second look; each batch moves past the entries it kept, however many there are.
   * Which deliveries name the window's entries is found without an index on entries
   * (`namedEntries`): no read of `deliveries` when the audit log is kept longer than the
   * delivery log, otherwise the deliveries of the window's dates and a day either side.
   */
  async prune(
    db: Executor,
    before: number,
    limit: number,
    after?: AuditPruneCursor,
  ): Promise<PrunedBatch<AuditPruneCursor>> {
    let window = db
      .selectFrom('audit_entries')
      .select(['seq', 'date', 'id'])
      .where('date', '<', before)
      .orderBy('date')
      .orderBy('seq')
      .limit(limit);
    if (after !== undefined) {
      window = window.where((eb) => eb(eb.refTuple('date', 'seq'), '>', eb.tuple(after.date, after.seq)));
    }
    const rows = await window.execute();
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (first === undefined || last === undefined) return { deleted: 0, more: false };
    const named = await namedEntries(db, {
      from: Number(first.date),
      to: Number(last.date),
      ids: rows.map((r) => r.id),
    });
    const unnamed = rows.filter((r) => !named.has(r.id)).map((r) => Number(r.seq));
    const deleted =
      unnamed.length === 0
        ? 0
        : Number(
            (await db.deleteFrom('audit_entries').where('seq', 'in', unnamed).executeTakeFirst())
              .numDeletedRows,
          );
    return { deleted, more: rows.length === limit, next: { date: Number(last.date), seq: Number(last.seq) } };
  }
}
