import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openSqlite } from './database.js';
import { prepareQuery } from './prepared-query.js';

let dir: string;
let handle: DatabaseHandle;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-prepared-'));
  handle = openSqlite(join(dir, 'db.sqlite'));
  await migrateToLatest(handle.db);
  for (const [id, scope, key] of [
    ['1', 'p', 'a'],
    ['2', 'p', 'b'],
    ['3', 'q', 'a'],
  ] as const) {
    await handle.db
      .insertInto('flags')
      .values({
        id,
        scope,
        key,
        doc: `{"n":${id}}`,
        version: 1,
        created_at: Number(id),
        lookup: null,
        secret: null,
      })
      .execute();
  }
});
afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const inScope = prepareQuery((db, scope: string) =>
  db
    .selectFrom('flags')
    .select(['id', 'key'])
    .where('scope', '=', scope)
    .where('version', '=', 1)
    .orderBy('id'),
);
const bump = prepareQuery((db, id: string, version: number) =>
  db.updateTable('flags').set({ version }).where('id', '=', id).where('version', '=', 1),
);

describe('prepareQuery', () => {
  it('runs the compiled shape with each call’s arguments, keeping the query’s own constants', async () => {
    expect(await inScope.all(handle.db, 'p')).toEqual([
      { id: '1', key: 'a' },
      { id: '2', key: 'b' },
    ]);
    expect(await inScope.all(handle.db, 'q')).toEqual([{ id: '3', key: 'a' }]);
    expect(await inScope.first(handle.db, 'none')).toBeUndefined();
    // `version = 1` is a constant of the shape: a bumped row drops out of it.
    expect(await bump.run(handle.db, '1', 2)).toBe(1);
    expect(await bump.run(handle.db, '1', 3)).toBe(0);
    expect(await inScope.all(handle.db, 'p')).toEqual([{ id: '2', key: 'b' }]);
  });

  it('inside a transaction sees the transaction’s writes, and a rollback takes them back', async () => {
    await expect(
      handle.db.transaction().execute(async (tx) => {
        expect(await bump.run(tx, '2', 5)).toBe(1);
        expect(await inScope.all(tx, 'p')).toEqual([{ id: '1', key: 'a' }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await inScope.all(handle.db, 'p')).toHaveLength(2);
  });

  it('a query outside a transaction waits for another caller’s open one instead of joining it', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const open = handle.db.transaction().execute(async (tx) => {
      await bump.run(tx, '2', 5);
      await held;
      throw new Error('roll back');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    // If this ran on the connection now, it would write inside the open transaction and be
    // rolled back with it.
    const outside = bump.run(handle.db, '1', 7);
    release();
    await expect(open).rejects.toThrow('roll back');
    expect(await outside).toBe(1);
    expect(await inScope.all(handle.db, 'p')).toEqual([{ id: '2', key: 'b' }]);
  });

  it('refuses a shape that drops an argument', async () => {
    const careless = prepareQuery((db, scope: string, _unused: string) =>
      db.selectFrom('flags').select('id').where('scope', '=', scope),
    );
    await expect(careless.all(handle.db, 'p', 'x')).rejects.toThrow(/argument 1 does not reach the SQL/);
  });
});
