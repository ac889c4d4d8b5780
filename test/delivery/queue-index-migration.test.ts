import { Migrator } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { migrations } from '../../migrations/migration-list.js';
import { migrateToLatest } from '../../src/db/database.js';
import { IntegrationHealthStore } from '../../src/features/delivery/integration-health-store.js';
import { deliveryQueueFor } from '../../src/features/delivery/queue/delivery-queue-for.js';
import { insertIntegrationRow } from '../helpers/integration-rows.js';
import { openTestDatabase, type TestDatabase } from '../helpers/test-database.js';

// Migration 009 replaces the queue's index with partial ones: a database queued before it
// claims the same heads after it, and prunes what finished long ago. SQLite and PostgreSQL.

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.close();
});

it('claims and prunes the rows a database held before the pending-rows index', async () => {
  database = await openTestDatabase(false);
  const { db } = database.handle;
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  expect((await migrator.migrateTo('008-list-columns')).error).toBeUndefined();
  await insertIntegrationRow(db, 'x');
  const row = (status: 'done' | 'pending', audit: string, finishedAt: number | null) => ({
    integration_id: 'x',
    audit_id: audit,
    kind: 'flag',
    status,
    attempts: status === 'done' ? 1 : 0,
    run_at: 0,
    created_at: 0,
    finished_at: finishedAt,
  });
  await db
    .insertInto('deliveries')
    .values([row('done', 'e1', 10), row('pending', 'e2', null), row('pending', 'e3', null)])
    .execute();

  await migrateToLatest(db);
  const queue = deliveryQueueFor(database.handle.capabilities, new IntegrationHealthStore());
  const lanes = await queue.claimLanes(db, {
    workerId: 'w',
    now: 100,
    staleBefore: -1,
    limit: 10,
    depth: 4,
    busy: new Set(),
  });
  expect(lanes.map((l) => l.deliveries.map((d) => d.auditId))).toEqual([['e2', 'e3']]);
  expect(await queue.pendingCount(db, 'x')).toBe(2);
  expect(await queue.prune(db, 100, 500)).toBe(1);
  const left = await db.selectFrom('deliveries').select('audit_id').orderBy('id').execute();
  expect(left.map((r) => r.audit_id)).toEqual(['e2', 'e3']);
});
