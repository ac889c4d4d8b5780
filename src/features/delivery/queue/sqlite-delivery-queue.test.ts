import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertIntegrationRow } from '../../../../test/helpers/integration-rows.js';
import { type DatabaseHandle, migrateToLatest, openSqlite } from '../../../db/database.js';
import { IntegrationHealthStore } from '../integration-health-store.js';
import type { ClaimedLane, ClaimRequest } from './delivery-queue.js';
import { SqliteDeliveryQueue } from './sqlite-delivery-queue.js';

let dir: string;
let handle: DatabaseHandle;
const store = new SqliteDeliveryQueue(new IntegrationHealthStore());

/** One delivery per integration for an audit entry, queued at time 0. */
const enqueue = (integrationIds: string[], auditId: string) =>
  store.enqueue(handle.db, { integrationIds, auditId, kind: 'flag', at: 0 });

/** A claim: leases older than -1 are live, ten lanes of one delivery, nothing busy, unless said. */
const claim = (request: Pick<ClaimRequest, 'workerId' | 'now'> & Partial<ClaimRequest>) =>
  store.claimLanes(handle.db, { staleBefore: -1, limit: 10, depth: 1, busy: new Set(), ...request });

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

describe('the delivery queue on a real SQLite file', () => {
  it('claims only the head of each integration’s queue, never twice, and skips busy ones', async () => {
    await enqueue(['a', 'b'], 'e1');
    await enqueue(['a', 'b'], 'e2');
    const first = await claim({ workerId: 'w1', now: 10 });
    expect(names(first)).toEqual(['a:e1', 'b:e1']);
    // Leased heads hold back what is behind them.
    expect(await claim({ workerId: 'w2', now: 10 })).toEqual([]);
    // A stale lease is taken over.
    const stolen = await claim({ workerId: 'w2', now: 100, staleBefore: 50, busy: new Set(['b']) });
    expect(names(stolen)).toEqual(['a:e1']);
  });

  it('claims a head with the rows behind it, up to the depth and the first gap', async () => {
    for (const e of ['e1', 'e2', 'e3', 'e4', 'e5']) await enqueue(['a', 'b'], e);
    const lanes = await claim({ workerId: 'w1', now: 10, depth: 3, busy: new Set(['b']) });
    expect(names(lanes)).toEqual(['a:e1', 'a:e2', 'a:e3']);
    // Leased with the head: nobody else claims them, even once the head is done.
    const [head, second] = lanes[0]?.deliveries ?? [];
    expect((await store.finishMany(handle.db, [delivered(head!.id, 'a', 5)]))[0]?.status).toBe('fulfilled');
    expect(names(await claim({ workerId: 'w2', now: 10, depth: 3, busy: new Set(['b']) }))).toEqual([]);
    // Given back unsent, they are the queue again.
    await store.release(handle.db, [second!.id], 'w1');
    expect(names(await claim({ workerId: 'w2', now: 10, depth: 5, busy: new Set(['b']) }))).toEqual(['a:e2']);
  });

  it('a lane goes on after its last row without a claim, up to a row that is not due', async () => {
    for (const e of ['e1', 'e2', 'e3', 'e4']) await enqueue(['a'], e);
    const [lane] = await claim({ workerId: 'w', now: 10, depth: 1 });
    const head = lane!.deliveries[0]!;
    const [, second, third, fourth] = (
      await handle.db.selectFrom('deliveries').select('id').orderBy('id').execute()
    ).map((r) => Number(r.id));
    await store.defer(handle.db, fourth!, 5_000);
    const extension = {
      integrationId: 'a',
      afterId: head.id,
      integrationVersion: head.integrationVersion,
      workerId: 'w',
      now: 10,
      staleBefore: -1,
      depth: 16,
    };
    const { deliveries: more, drained } = await store.extendLane(handle.db, extension);
    expect(more.map((d) => d.auditId)).toEqual(['e2', 'e3']);
    expect(drained).toBe(false);
    // Leased to the lane: another claim finds nothing of the integration.
    expect(await claim({ workerId: 'other', now: 10 })).toEqual([]);
    expect(more.map((d) => d.id)).toEqual([second, third]);
    // The row behind the last is due later: not drained, a claim takes it when it is due.
    expect(await store.extendLane(handle.db, { ...extension, afterId: third! })).toEqual({
      deliveries: [],
      drained: false,
      whole: false,
    });
    // Nothing at all behind: drained, so the lane's end wakes no claim.
    expect(await store.extendLane(handle.db, { ...extension, afterId: fourth! })).toEqual({
      deliveries: [],
      drained: true,
      whole: true,
    });
  });

  it('a delivery scheduled later holds back its queue; nextDueAt says when', async () => {
    await enqueue(['a'], 'e1');
    await enqueue(['a'], 'e2');
    const [lane] = await claim({ workerId: 'w', now: 0, limit: 1 });
    await store.defer(handle.db, lane!.deliveries[0]!.id, 5_000);
    expect(await claim({ workerId: 'w', now: 1_000, depth: 4 })).toEqual([]);
    expect(await store.nextDueAt(handle.db, -1)).toBe(5_000);
    expect(names(await claim({ workerId: 'w', now: 5_000 }))).toEqual(['a:e1']);
  });

  it('records nothing for a delivery whose integration was deleted, and the rest of the batch still commits', async () => {
    await enqueue(['a', 'b'], 'e1');
    const lanes = await claim({ workerId: 'w', now: 0 });
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

  it('tries a finish that failed on its own once more after a pause; what fails twice keeps its lease', async () => {
    await enqueue(['a', 'b'], 'e1');
    const [a, b] = (await claim({ workerId: 'w', now: 0 })).map((l) => l.deliveries[0]!);
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
    await enqueue(['a'], 'e1');
    await claim({ workerId: 'crashed', now: 0, limit: 1 });
    await store.recoverLeases(handle.db);
    expect(await claim({ workerId: 'w', now: 1, limit: 1 })).toHaveLength(1);
  });
});
