import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openSqlite } from '../../db/database.js';
import { OutboxStore } from './outbox-store.js';

let dir: string;
let handle: DatabaseHandle;
const store = new OutboxStore();

async function addIntegration(id: string) {
  await handle.db
    .insertInto('integrations')
    .values({
      id,
      scope: 'hipchat',
      key: id,
      doc: '{}',
      version: 1,
      created_at: 0,
      lookup: null,
      secret: null,
    })
    .execute();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-outbox-'));
  handle = openSqlite(join(dir, 'db.sqlite'));
  await migrateToLatest(handle.db);
  await addIntegration('a');
  await addIntegration('b');
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

describe('OutboxStore on a real SQLite file', () => {
  it('claims only the head of each integration’s queue, never twice, and skips busy ones', async () => {
    await store.enqueue(handle.db, ['a', 'b'], 'e1', 'flag', 0);
    await store.enqueue(handle.db, ['a', 'b'], 'e2', 'flag', 0);
    const first = await store.claimHeads(handle.db, 'w1', 10, -1, 10, new Set());
    expect(first.map((c) => `${c.integrationId}:${c.auditId}`)).toEqual(['a:e1', 'b:e1']);
    // Leased heads hold back what is behind them.
    expect(await store.claimHeads(handle.db, 'w2', 10, -1, 10, new Set())).toEqual([]);
    // A stale lease is taken over.
    const stolen = await store.claimHeads(handle.db, 'w2', 100, 50, 10, new Set(['b']));
    expect(stolen.map((c) => `${c.integrationId}:${c.auditId}`)).toEqual(['a:e1']);
  });

  it('a delivery scheduled later holds back its queue; nextDueAt says when', async () => {
    await store.enqueue(handle.db, ['a'], 'e1', 'flag', 0);
    await store.enqueue(handle.db, ['a'], 'e2', 'flag', 0);
    const [head] = await store.claimHeads(handle.db, 'w', 0, -1, 1, new Set());
    await store.defer(handle.db, head!.id, 5_000);
    expect(await store.claimHeads(handle.db, 'w', 1_000, -1, 10, new Set())).toEqual([]);
    expect(await store.nextDueAt(handle.db, -1)).toBe(5_000);
    expect((await store.claimHeads(handle.db, 'w', 5_000, -1, 10, new Set())).map((c) => c.auditId)).toEqual([
      'e1',
    ]);
  });

  it('marks an integration in error after N consecutive failures lasting the window; a success clears it', async () => {
    for (const at of [0, 10_000, 20_000]) await store.recordHealth(handle.db, 'a', failure(at));
    const row = () =>
      handle.db
        .selectFrom('integration_status')
        .selectAll()
        .where('integration_id', '=', 'a')
        .executeTakeFirstOrThrow();
    expect((await row()).errored_reason).toBeNull(); // three failures, but only 20 s of them
    await store.recordHealth(handle.db, 'a', failure(60_000));
    expect((await row()).errored_reason).toContain('4 consecutive failed attempts');
    expect(JSON.parse((await row()).recent_errors)).toHaveLength(4);
    await store.recordHealth(handle.db, 'a', { ...failure(61_000), success: true });
    expect(await row()).toMatchObject({
      errored_reason: null,
      consecutive_failures: 0,
      success_count: 1,
      error_count: 4,
    });
  });

  it('releases every lease at start when no other process can hold one', async () => {
    await store.enqueue(handle.db, ['a'], 'e1', 'flag', 0);
    await store.claimHeads(handle.db, 'crashed', 0, -1, 1, new Set());
    await store.releaseAllLeases(handle.db);
    expect(await store.claimHeads(handle.db, 'w', 1, -1, 1, new Set())).toHaveLength(1);
  });
});
