import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { migrations } from '../../migrations/migration-list.js';
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../../src/db/database.js';
import { DocumentStore } from '../../src/db/document-store.js';
import { freshPostgresDatabase, testDialect } from '../helpers/test-switchboard.js';

/**
 * Migration 008 fills the list columns of documents written before it (issue 16, item 1), so a
 * database that upgrades lists, filters and sorts its existing flags and members at once.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openEmpty(): Promise<DatabaseHandle> {
  if (testDialect === 'postgres') {
    const postgres = await freshPostgresDatabase();
    const handle = await openDatabase(postgres.url);
    cleanups.push(postgres.drop, () => handle.close());
    return handle;
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-migration-'));
  const handle = await openDatabase(`sqlite:${join(dir, 'switchboard.db')}`);
  cleanups.push(
    async () => rmSync(dir, { recursive: true, force: true }),
    () => handle.close(),
  );
  return handle;
}

it('backfills name, archived, tags and search for the rows that existed before it', async () => {
  const { db } = await openEmpty();
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const before = await migrator.migrateTo('007-audit-search-without-ids');
  expect(before.error).toBeUndefined();
  // Rows as the store wrote them before 008: no list columns.
  // biome-ignore lint/suspicious/noExplicitAny: the tables as they were before this migration
  const old = db as any;
  const row = (id: string, scope: string, key: string, doc: object, created: number) => ({
    id,
    scope,
    key,
    doc: JSON.stringify(doc),
    version: 1,
    created_at: created,
    lookup: null,
    secret: null,
  });
  await old
    .insertInto('flags')
    .values([
      row('f1', 'default', 'dark-mode', { name: 'Dark Mode', archived: false, tags: ['Beta', 'ui'] }, 1),
      row('f2', 'default', 'old-banner', { name: 'Banner', archived: true, tags: [] }, 2),
    ])
    .execute();
  await old
    .insertInto('members')
    .values([
      row('m1', '', 'm1', { email: 'ana@example.com', firstName: 'Ana', lastName: 'Lee', role: 'admin' }, 3),
    ])
    .execute();

  await migrateToLatest(db);

  const flags = await db
    .selectFrom('flags')
    .select(['key', 'name', 'archived', 'tags', 'search'])
    .orderBy('key')
    .execute();
  expect(flags.map((f) => ({ ...f, archived: Number(f.archived) }))).toEqual([
    { key: 'dark-mode', name: 'dark mode', archived: 0, tags: ' beta ui ', search: 'dark-mode\ndark mode' },
    { key: 'old-banner', name: 'banner', archived: 1, tags: '', search: 'old-banner\nbanner' },
  ]);
  const member = await db.selectFrom('members').select(['name', 'search']).executeTakeFirstOrThrow();
  expect(member).toEqual({ name: 'ana lee', search: 'ana@example.com\nana lee' });

  const store = new DocumentStore<{ name: string }>('flags', 'Flag');
  const live = await store.page(db, {
    scope: 'default',
    where: [{ archived: false }, { tagsAll: ['beta'] }],
  });
  expect(live.items.map((f) => f.key)).toEqual(['dark-mode']);
  expect(live.totalCount).toBe(1);
});
