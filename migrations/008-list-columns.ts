import type { Kysely } from 'kysely';
import { listColumns } from '../src/db/list-columns.js';
import type { DocumentTable } from '../src/db/schema.js';

// Spelled out, not imported: a landed migration must not change when today's schema does.
const documentTables = [
  'projects',
  'environments',
  'flags',
  'segments',
  'metrics',
  'members',
  'access_tokens',
  'custom_roles',
  'integrations',
] as const satisfies readonly DocumentTable[];

/** Rows rewritten per read: bounded memory however many flags a project has. */
const batch = 500;

/**
 * Lists page, filter and sort in the database (issue 16): LaunchDarkly's `limit`/`offset`,
 * `sort=name`, `filter=query:…,tags:…` and the archived split read these columns through the
 * indexes below, so page 50 of 10,000 flags costs what page 1 does. The store derives the
 * columns from the document on every write; this fills them for the rows already there, with
 * today's rule on purpose (as 007 does): a later rule ships its own rebuild.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of documentTables) {
    await db.schema
      .alterTable(table)
      .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema
      .alterTable(table)
      .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable(table)
      .addColumn('tags', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema
      .alterTable(table)
      .addColumn('search', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await backfill(db, table);
    await db.schema
      .createIndex(`${table}_list_created`)
      .on(table)
      .columns(['scope', 'archived', 'created_at', 'id'])
      .execute();
    await db.schema
      .createIndex(`${table}_list_name`)
      .on(table)
      .columns(['scope', 'archived', 'name', 'id'])
      .execute();
  }
  // Flags also sort by key (LaunchDarkly's `sort=key`); the others are few per scope.
  await db.schema.createIndex('flags_list_key').on('flags').columns(['scope', 'archived', 'key']).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
async function backfill(db: Kysely<any>, table: DocumentTable): Promise<void> {
  let after = '';
  for (;;) {
    const rows: { id: string; key: string; doc: string }[] = await db
      .selectFrom(table)
      .select(['id', 'key', 'doc'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(batch)
      .execute();
    for (const row of rows) {
      const columns = listColumns(table, row.key, JSON.parse(row.doc));
      await db.updateTable(table).set(columns).where('id', '=', row.id).execute();
    }
    if (rows.length < batch) return;
    after = rows[rows.length - 1]?.id ?? after;
  }
}
