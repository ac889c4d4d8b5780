import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * An auto-numbered primary key: SQLite's `integer primary key autoincrement` (never reuses a
 * number, which the outbox's commit order relies on), PostgreSQL's `bigserial`.
 */
export function serialKey(
  // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
  db: Kysely<any>,
): ['integer' | 'bigserial', (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder] {
  return isPostgres(db)
    ? ['bigserial', (c) => c.primaryKey()]
    : ['integer', (c) => c.primaryKey().autoIncrement()];
}
