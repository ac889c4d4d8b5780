import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertIntegrationRow } from '../../../test/helpers/integration-rows.js';
import { type DatabaseHandle, migrateToLatest, openSqlite } from '../../db/database.js';
import type { Executor } from '../../db/schema.js';
import { createStores } from '../stores.js';
import { IntegrationCache } from './integration-cache.js';

let dir: string;
let handle: DatabaseHandle;
let now: number;
let reads: number;
let cache: IntegrationCache;
const stores = createStores();

/** The real document store, counting its reads. */
const counted = {
  getById: (db: Executor, id: string) => {
    reads++;
    return stores.integrations.getById(db, id);
  },
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-integration-cache-'));
  handle = openSqlite(join(dir, 'db.sqlite'));
  await migrateToLatest(handle.db);
  await insertIntegrationRow(handle.db, 'a');
  now = 0;
  reads = 0;
  cache = new IntegrationCache(counted, () => now, 1_000);
});
afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Switches the stored integration off in the database, as another process would. */
async function switchOffElsewhere(): Promise<number> {
  const current = await stores.integrations.getById(handle.db, 'a');
  if (current === undefined) throw new Error('no integration a');
  const updated = await stores.integrations.update(handle.db, current, { ...current.doc, on: false });
  return updated.version;
}

describe('IntegrationCache on a real SQLite file', () => {
  it('reads an integration once for the sends of a claim, not once per send', async () => {
    for (let i = 0; i < 5; i++) expect((await cache.get(handle.db, 'a', 1))?.version).toBe(1);
    expect(reads).toBe(1);
  });

  it('reads again when a claim saw a newer version than the one kept', async () => {
    await cache.get(handle.db, 'a', 1);
    const version = await switchOffElsewhere();
    expect((await cache.get(handle.db, 'a', 1))?.doc.on).toBeUndefined();
    const fresh = await cache.get(handle.db, 'a', version);
    expect(fresh?.doc.on).toBe(false);
    expect(reads).toBe(2);
  });

  it('reads again once this process changed it (forget), without waiting for a claim', async () => {
    await cache.get(handle.db, 'a', 1);
    await switchOffElsewhere();
    cache.forget('a');
    expect((await cache.get(handle.db, 'a', 1))?.doc.on).toBe(false);
  });

  it('trusts a read for at most its maximum age: a lane sending for longer sees other processes’ changes', async () => {
    await cache.get(handle.db, 'a', 1);
    await switchOffElsewhere();
    now = 999;
    expect((await cache.get(handle.db, 'a', 1))?.doc.on).toBeUndefined();
    now = 1_000;
    expect((await cache.get(handle.db, 'a', 1))?.doc.on).toBe(false);
  });

  it('answers undefined once the integration is deleted, and keeps nothing of it', async () => {
    await cache.get(handle.db, 'a', 1);
    await handle.db.deleteFrom('integrations').where('id', '=', 'a').execute();
    cache.forget('a');
    expect(await cache.get(handle.db, 'a', 1)).toBeUndefined();
    expect(await cache.get(handle.db, 'a', 1)).toBeUndefined();
    expect(reads).toBe(3);
  });
});
