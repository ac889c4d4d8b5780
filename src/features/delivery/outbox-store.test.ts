import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertIntegrationRow } from '../../../test/helpers/integration-rows.js';
import { type DatabaseHandle, migrateToLatest, openSqlite } from '../../db/database.js';
import { type ClaimedLane, OutboxStore } from './outbox-store.js';

let dir: string;
let handle: DatabaseHandle;
const store = new OutboxStore();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-outbox-'));
  handle = openSqlite(join(dir, 'db.sqlite'));
  await migrateToLatest(handle.db);
  await insertIntegrationRow(handle.db, 'a');
  await insertIntegrationRow(handle.db, 'b');
});
afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `integration:audit` for every claimed delivery, lane by lane. */
const names = (lanes: readonly ClaimedLane[]) =>
  lanes.flatMap((l) => l.deliveries.map((d) => `${l.integrationId}:${d.auditId}`));

const delivered = (deliveryId: number, integrationId: string, at: number) => ({
  attempt: {
    deliveryId,
    integrationId,
    attempt: 1,
    at,
    outcome: 'delivered' as const,
    statusCode: 204,
    latencyMs: 1,
    errorClass: undefined,
    responseExcerpt: undefined,
  },
  update: { status: 'done' as const },
  health: undefined,
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
    const first = await store.claimLanes(handle.db, 'w1', 10, -1, 10, 1, new Set());
    expect(names(first)).toEqual(['a:e1', 'b:e1']);
    // Leased heads hold back what is behind them.
    expect(await store.claimLanes(handle.db, 'w2', 10, -1, 10, 1, new Set())).toEqual([]);
    // A stale lease is taken over.
    const stolen = await store.claimLanes(handle.db, 'w2', 100, 50, 10, 1, new Set(['b']));
    expect(names(stolen)).toEqual(['a:e1']);
  });

  it('claims a head with the rows behind it, up to the depth and the first gap', async () => {
    for (const e of ['e1', 'e2', 'e3', 'e4', 'e5']) await store.enqueue(handle.db, ['a', 'b'], e, 'flag', 0);
    const lanes = await store.claimLanes(handle.db, 'w1', 10, -1, 10, 3, new Set(['b']));
    expect(names(lanes)).toEqual(['a:e1', 'a:e2', 'a:e3']);
    // Leased with the head: nobody else claims them, even once the head is done.
    const [head, second] = lanes[0]?.deliveries ?? [];
    expect((await store.finishMany(handle.db, [delivered(head!.id, 'a', 5)]))[0]?.status).toBe('fulfilled');
    expect(names(await store.claimLanes(handle.db, 'w2', 10, -1, 10, 3, new Set(['b'])))).toEqual([]);
    // Given back unsent, they are the queue again.
    await store.release(handle.db, [second!.id], 'w1');
    expect(names(await store.claimLanes(handle.db, 'w2', 10, -1, 10, 5, new Set(['b'])))).toEqual(['a:e2']);
  });

  it('a delivery scheduled later holds back its queue; nextDueAt says when', async () => {
    await store.enqueue(handle.db, ['a'], 'e1', 'flag', 0);
    await store.enqueue(handle.db, ['a'], 'e2', 'flag', 0);
    const [lane] = await store.claimLanes(handle.db, 'w', 0, -1, 1, 1, new Set());
    await store.defer(handle.db, lane!.deliveries[0]!.id, 5_000);
    expect(await store.claimLanes(handle.db, 'w', 1_000, -1, 10, 4, new Set())).toEqual([]);
    expect(await store.nextDueAt(handle.db, -1)).toBe(5_000);
    expect(names(await store.claimLanes(handle.db, 'w', 5_000, -1, 10, 1, new Set()))).toEqual(['a:e1']);
  });

  it('records nothing for a delivery whose integration was deleted, and the rest of the batch still commits', async () => {
    await store.enqueue(handle.db, ['a', 'b'], 'e1', 'flag', 0);
    const lanes = await store.claimLanes(handle.db, 'w', 0, -1, 10, 1, new Set());
    const [a, b] = lanes.map((l) => l.deliveries[0]!);
    await store.forget(handle.db, 'a');
    const results = await store.finishMany(handle.db, [delivered(a!.id, 'a', 1), delivered(b!.id, 'b', 1)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const attempts = await handle.db.selectFrom('delivery_attempts').select('delivery_id').execute();
    expect(attempts.map((r) => Number(r.delivery_id))).toEqual([b!.id]);
    const row = await handle.db
      .selectFrom('deliveries')
      .select('status')
      .where('id', '=', b!.id)
      .executeTakeFirst();
    expect(row?.status).toBe('done');
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

  it('tries a finish that failed on its own once more after a pause; what fails twice keeps its lease', async () => {
    await store.enqueue(handle.db, ['a', 'b'], 'e1', 'flag', 0);
    const [a, b] = (await store.claimLanes(handle.db, 'w', 0, -1, 10, 1, new Set())).map(
      (l) => l.deliveries[0]!,
    );
    // Another connection holds the write lock; ours gives up at once instead of waiting 5 s.
    await sql`pragma busy_timeout = 0`.execute(handle.db);
    const other = new SqliteDatabase(join(dir, 'db.sqlite'));
    try {
      other.exec('begin immediate');
      // Released during the pause: the second try commits.
      const released = setTimeout(100).then(() => other.exec('commit'));
      const [first] = await store.finishMany(handle.db, [delivered(a!.id, 'a', 1)], 300);
      await released;
      expect(first?.status).toBe('fulfilled');

      // Held through both tries: refused, and the delivery is still leased (sent again later).
      other.exec('begin immediate');
      const [second] = await store.finishMany(handle.db, [delivered(b!.id, 'b', 1)], 50);
      other.exec('commit');
      expect(second).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_BUSY' } });
    } finally {
      other.close();
    }
    const rows = await handle.db
      .selectFrom('deliveries')
      .select(['id', 'status', 'locked_by'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { id: a!.id, status: 'done', locked_by: null },
      { id: b!.id, status: 'pending', locked_by: 'w' },
    ]);
  });

  it('releases every lease at start when no other process can hold one', async () => {
    await store.enqueue(handle.db, ['a'], 'e1', 'flag', 0);
    await store.claimLanes(handle.db, 'crashed', 0, -1, 1, 1, new Set());
    await store.releaseAllLeases(handle.db);
    expect(await store.claimLanes(handle.db, 'w', 1, -1, 1, 1, new Set())).toHaveLength(1);
  });
});
