import type { Kysely } from 'kysely';
import { serialKey } from './dialect.js';

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
] as const;

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of documentTables) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('doc', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('lookup', 'text', (c) => c.unique())
      .addColumn('secret', 'text')
      .addUniqueConstraint(`${table}_scope_key`, ['scope', 'key'])
      .execute();
  }
  await db.schema
    .createTable('audit_entries')
    .addColumn('seq', ...serialKey(db))
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('date', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('search', 'text', (c) => c.notNull())
    .addColumn('accesses', 'text', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('previous_version', 'text')
    .addColumn('current_version', 'text')
    .addColumn('delta', 'text')
    .execute();
  await db.schema.createIndex('audit_entries_date').on('audit_entries').columns(['date', 'seq']).execute();
}
