import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertIntegrationRow } from '../../../test/helpers/integration-rows.js';
import { type DatabaseHandle, migrateToLatest, openSqlite } from '../../db/database.js';
import { IntegrationHealthStore, testsKept } from './integration-health-store.js';
import { IntegrationHealthView } from './integration-health-view.js';
import { SqliteDeliveryQueue } from './queue/sqlite-delivery-queue.js';

let dir: string;
let handle: DatabaseHandle;
const store = new IntegrationHealthStore();
const queue = new SqliteDeliveryQueue(store);
const view = new IntegrationHealthView(queue);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-health-'));
  handle = openSqlite(join(dir, 'db.sqlite'));
  await migrateToLatest(handle.db);
  await insertIntegrationRow(handle.db, 'a');
});
afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const failure = (at: number) => ({
  success: false,
  at,
  statusCode: 503,
  responseBody: 'down',
  failureThreshold: 3,
  failureWindowMs: 60_000,
});

describe('integration health on a real SQLite file', () => {
  it('marks an integration in error after N consecutive failures lasting the window; a success clears it', async () => {
    for (const at of [0, 10_000, 20_000]) await store.record(handle.db, 'a', failure(at));
    const row = () =>
      handle.db
        .selectFrom('integration_status')
        .selectAll()
        .where('integration_id', '=', 'a')
        .executeTakeFirstOrThrow();
    expect((await row()).errored_reason).toBeNull(); // three failures, but only 20 s of them
    await store.record(handle.db, 'a', failure(60_000));
    expect((await row()).errored_reason).toBe('4 consecutive failed attempts');
    expect(Number((await row()).failing_since)).toBe(0);
    expect(JSON.parse((await row()).recent_errors)).toHaveLength(4);
    await store.record(handle.db, 'a', { ...failure(61_000), success: true });
    expect(await row()).toMatchObject({
      errored_reason: null,
      consecutive_failures: 0,
      success_count: 1,
      error_count: 4,
    });
  });

  it('shows health and pending deliveries as `_status` reads them; nothing recorded reads as zero', async () => {
    expect(await view.statusOf(handle.db, 'a')).toEqual({
      successCount: 0,
      errorCount: 0,
      errors: [],
      pending: 0,
    });
    await queue.enqueue(handle.db, { integrationIds: ['a'], auditId: 'e1', kind: 'flag', at: 0 });
    await store.record(handle.db, 'a', { ...failure(5_000), erroredReason: 'token rejected' });
    expect(await view.statusOf(handle.db, 'a')).toEqual({
      successCount: 0,
      errorCount: 1,
      lastError: 5_000,
      errors: [{ statusCode: 503, responseBody: 'down', timestamp: 5_000 }],
      errored: { reason: 'token rejected', since: 5_000 },
      pending: 1,
    });
    await store.clearError(handle.db, 'a');
    expect((await view.statusOf(handle.db, 'a')).errored).toBeUndefined();
    await queue.forget(handle.db, 'a');
    expect(await view.statusOf(handle.db, 'a')).toEqual({
      successCount: 0,
      errorCount: 0,
      errors: [],
      pending: 0,
    });
  });

  it('keeps the newest tests for the delivery log and forgets them with the integration', async () => {
    for (let at = 1; at <= testsKept + 2; at++) {
      await store.recordTest(handle.db, 'a', { at, ok: at % 2 === 0, latencyMs: 3.4, errorClass: 'dns' });
    }
    await store.recordTest(handle.db, 'other', { at: 1, ok: true, latencyMs: 1 });
    const tests = (id: string) =>
      handle.db.selectFrom('integration_tests').selectAll().where('integration_id', '=', id).execute();
    const kept = await tests('a');
    expect(kept.map((t) => Number(t.at))).toEqual(Array.from({ length: testsKept }, (_, i) => i + 3));
    expect(kept[0]).toMatchObject({ ok: 0, latency_ms: 3, error_class: 'dns' });
    await store.forget(handle.db, 'a');
    expect(await tests('a')).toEqual([]);
    expect(await tests('other')).toHaveLength(1);
  });
});
