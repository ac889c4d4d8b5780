import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectCreated } from '../../../test/helpers/change-fixtures.js';
import { insertIntegrationRow } from '../../../test/helpers/integration-rows.js';
import { type DatabaseHandle, migrateToLatest, openSqlite } from '../../db/database.js';
import { authorizeChange } from '../access/authorize.js';
import type { AuditEntry } from '../audit/audit-model.js';
import { AuditStore } from '../audit/audit-store.js';
import { ChangeLog } from '../audit/change-log.js';
import { DeliveryFanOut, type WakeableWorker } from './delivery-fan-out.js';
import { IntegrationHealthStore } from './integration-health-store.js';
import { SqliteDeliveryQueue } from './queue/sqlite-delivery-queue.js';

let dir: string;
let handle: DatabaseHandle;
let changes: ChangeLog;
const queue = new SqliteDeliveryQueue(new IntegrationHealthStore());
/** Which integrations hear the next change (the integration directory's answer). */
let matching: string[];
/** What this process's worker was told, in order. */
let told: string[];

const worker: WakeableWorker = {
  wake: (ids) => told.push(ids === undefined ? 'wake: look anyway' : `wake: ${[...ids].join(',')}`),
  prime: (entry: AuditEntry) => told.push(`prime: ${entry.name}`),
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-fan-out-'));
  handle = openSqlite(join(dir, 'db.sqlite'));
  await migrateToLatest(handle.db);
  for (const id of ['a', 'b']) await insertIntegrationRow(handle.db, id);
  changes = new ChangeLog({
    db: handle.db,
    audit: new AuditStore(),
    baseUrl: () => 'http://sb.test',
    clock: () => 1_000,
    authorize: authorizeChange,
  });
  new DeliveryFanOut({
    integrations: { matching: async () => matching },
    queue,
    notifier: undefined,
    worker,
  }).attach(changes);
  told = [];
});
afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Records a project change (and, if `fail`, rolls it back after recording). */
const change = (key: string, fail = false) =>
  changes.transact(async (_tx, record) => {
    await record(projectCreated(key));
    if (fail) throw new Error('rolled back');
  });

const pending = async () => [
  await queue.pendingCount(handle.db, 'a'),
  await queue.pendingCount(handle.db, 'b'),
];

describe('DeliveryFanOut on a real SQLite file', () => {
  it('queues one delivery per matching integration with the change, primes the worker and wakes it for them on commit', async () => {
    matching = ['a', 'b'];
    await change('p1');
    expect(await pending()).toEqual([1, 1]);
    expect(told).toEqual(['prime: p1', 'wake: a,b']);

    // Nothing matches: no delivery and nothing to prime, but the worker still looks (another
    // commit may have taken the ids queued before this one committed).
    matching = [];
    told = [];
    await change('p2');
    expect(await pending()).toEqual([1, 1]);
    expect(told).toEqual(['wake: look anyway']);
  });

  it('queues nothing and wakes nobody when the change rolls back', async () => {
    matching = ['a'];
    await expect(change('p1', true)).rejects.toThrow('rolled back');
    expect(await pending()).toEqual([0, 0]);
    expect(told.filter((t) => t.startsWith('wake'))).toEqual([]);
  });
});
