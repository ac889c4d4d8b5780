import { setTimeout } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openPostgres } from '../../src/db/database.js';
import { IntegrationHealthStore } from '../../src/features/delivery/integration-health-store.js';
import { claimLockSpace } from '../../src/features/delivery/queue/postgres-claim.js';
import { PostgresDeliveryQueue } from '../../src/features/delivery/queue/postgres-delivery-queue.js';
import { insertIntegrationRow } from '../helpers/integration-rows.js';
import { freshPostgresDatabase } from '../helpers/test-switchboard.js';

let handle: DatabaseHandle;
let url: string;
let drop: () => Promise<void>;
const store = new PostgresDeliveryQueue(new IntegrationHealthStore());

beforeAll(async () => {
  ({ url, drop } = await freshPostgresDatabase());
  handle = await openPostgres(url);
  await migrateToLatest(handle.db);
  for (const id of ['x', 'y']) await insertIntegrationRow(handle.db, id);
});
afterAll(async () => {
  await handle?.close();
  await drop?.();
});

/** Worker A's claim at time 1,000: ten lanes of up to sixteen, every lease live. */
const claimByA = (busy: ReadonlySet<string>) => ({
  workerId: 'A',
  now: 1_000,
  staleBefore: -1,
  limit: 10,
  depth: 16,
  busy,
});

/** `count` changes queued for `integration` (audit ids `${prefix}0`…): the ids of its pending rows, in order. */
async function queued(integration: string, count: number, prefix: string): Promise<number[]> {
  for (let i = 0; i < count; i++)
    await store.enqueue(handle.db, {
      integrationIds: [integration],
      auditId: `${prefix}${i}`,
      kind: 'flag',
      at: 0,
    });
  const rows = await handle.db
    .selectFrom('deliveries')
    .select('id')
    .where('integration_id', '=', integration)
    .where('status', '=', 'pending')
    .orderBy('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

/** Worker A's extension of its lane on `integrationId` after `afterId`, at time 1,000. */
const extensionByA = (integrationId: string, afterId: number) => ({
  integrationId,
  afterId,
  integrationVersion: 1,
  workerId: 'A',
  now: 1_000,
  staleBefore: -1,
  depth: 16,
});

/** Who holds each of these rows, in id order. */
async function holdersOf(ids: number[]): Promise<(string | null)[]> {
  const rows = await handle.db
    .selectFrom('deliveries')
    .select(['id', 'locked_by'])
    .where('id', 'in', ids)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.locked_by);
}

describe('claiming lanes on PostgreSQL, two workers', () => {
  it('never takes rows that another worker’s claim is leasing at the same moment', async () => {
    const [first, ...rest] = await queued('x', 6, 'e');

    // Worker B is mid-claim: it has leased every row but the first, and not committed yet (as
    // when the first row's change committed late and became the queue's head meanwhile).
    const b = new pg.Client(url);
    await b.connect();
    try {
      await b.query('begin');
      await b.query('update deliveries set locked_by = $1, locked_at = $2 where id = any($3)', [
        'B',
        1_000,
        rest,
      ]);
      // Worker A claims now: it reads the rows behind the head as free (B has not committed),
      // and its own lease has to wait for B's row locks.
      const claim = store.claimLanes(handle.db, claimByA(new Set()));
      await setTimeout(200);
      await b.query('commit');
      const lanes = await claim;
      expect(lanes.map((l) => l.deliveries.map((d) => d.id))).toEqual([[first]]);
    } finally {
      await b.end();
    }
    const holders = await handle.db
      .selectFrom('deliveries')
      .select(['id', 'locked_by'])
      .orderBy('id')
      .execute();
    expect(holders.map((r) => r.locked_by)).toEqual(['A', 'B', 'B', 'B', 'B', 'B']);
  });

  it('passes over an integration whose lane another worker has out, or is claiming right now', async () => {
    const [first, ...rest] = await queued('y', 3, 'f');
    const onlyY = new Set(['x']);
    const claimY = async () =>
      (await store.claimLanes(handle.db, claimByA(onlyY))).map((l) => l.deliveries.map((d) => d.id));

    // Worker B is claiming the rows behind the first, whose change committed late: it holds
    // the integration's claim lock and has leased them, not committed yet. A must not wait for
    // it, nor take the first row: the room would hear it at the same time as B's.
    const b = new pg.Client(url);
    await b.connect();
    try {
      await b.query('begin');
      await b.query('select pg_advisory_xact_lock($1, hashtext($2))', [claimLockSpace, 'y']);
      await b.query('update deliveries set locked_by = $1, locked_at = $2 where id = any($3)', [
        'B',
        1_000,
        rest,
      ]);
      const claim = claimY();
      const answer = await Promise.race([claim, setTimeout(2_000, 'A is waiting for B')]);
      await b.query('commit');
      await claim;
      expect(answer).toEqual([]);
    } finally {
      await b.end();
    }
    // B's lane is out (its leases are live): still nothing for A.
    expect(await claimY()).toEqual([]);
    // B's lane is done: the late row is the queue again, and A takes it.
    await handle.db
      .updateTable('deliveries')
      .set({ status: 'done', locked_by: null, locked_at: null })
      .where('id', 'in', rest)
      .execute();
    expect(await claimY()).toEqual([[first]]);
  });

  it('a lane goes on without a claim while it holds its last row; another worker takes nothing of it', async () => {
    await insertIntegrationRow(handle.db, 'z');
    await queued('z', 2, 'g');
    const onlyZ = new Set(['x', 'y']);
    const [lane] = await store.claimLanes(handle.db, { ...claimByA(onlyZ), depth: 2 });
    const given = lane?.deliveries.map((d) => d.id) ?? [];
    expect(given).toHaveLength(2);
    // As deep as the lane goes: more may wait behind, so it must look again when it has sent them.
    expect(lane?.whole).toBe(false);
    // Three more changes are queued while A sends; the second is due later (a deferred row).
    const [n1, n2, n3] = (await queued('z', 3, 'g-later')).slice(2);
    await handle.db.updateTable('deliveries').set({ run_at: 5_000 }).where('id', '=', n2!).execute();
    // B, another worker: A's lane is out, so nothing of z for B.
    const byB = { ...claimByA(onlyZ), workerId: 'B' };
    expect(await store.claimLanes(handle.db, byB)).toEqual([]);
    // A goes on after its last row: the row behind it, up to the one that is not due.
    const extension = extensionByA('z', given[1]!);
    const more = await store.extendLane(handle.db, extension);
    expect(more.deliveries.map((d) => [d.id, d.integrationVersion])).toEqual([[n1, 1]]);
    expect(more.drained).toBe(false);
    // It stopped short of rows it saw (not due): not the end of the queue.
    expect(more.whole).toBe(false);
    expect(await holdersOf([n1!, n2!, n3!])).toEqual(['A', null, null]);
    // Once the deferred row is due it goes on again; with nothing behind, the lane ends.
    const rest = await store.extendLane(handle.db, { ...extension, afterId: n1!, now: 5_000 });
    expect(rest.deliveries.map((d) => d.id)).toEqual([n2, n3]);
    // It took every row it saw, fewer than its depth: the end of the queue, no need to look again.
    expect(rest.whole).toBe(true);
    // Nothing at all behind the last: drained, so the lane's end wakes no claim.
    expect(await store.extendLane(handle.db, { ...extension, afterId: n3!, now: 5_000 })).toEqual({
      deliveries: [],
      drained: true,
      whole: true,
    });
  });

  it('a claim says whether its lane is the whole queue of its integration', async () => {
    await insertIntegrationRow(handle.db, 'u');
    const others = new Set(['x', 'y', 'z', 'w', 'v']);
    const [u1, u2] = await queued('u', 2, 'm');
    // A row behind that is not due: the lane stops short of it, and must look again.
    await handle.db.updateTable('deliveries').set({ run_at: 5_000 }).where('id', '=', u2!).execute();
    const [short] = await store.claimLanes(handle.db, claimByA(others));
    expect([short?.deliveries.map((d) => d.id), short?.whole]).toEqual([[u1], false]);
    await handle.db
      .updateTable('deliveries')
      .set({ status: 'done', locked_by: null, locked_at: null })
      .where('id', '=', u1!)
      .execute();
    // Every row pending, fewer than the depth: the whole queue.
    const [whole] = await store.claimLanes(handle.db, { ...claimByA(others), now: 5_000 });
    expect([whole?.deliveries.map((d) => d.id), whole?.whole]).toEqual([[u2], true]);
  });

  it('a lane that finds a row behind it leased by another worker keeps only the rows before it', async () => {
    await insertIntegrationRow(handle.db, 'w');
    const [last, w1, w2, w3] = await queued('w', 4, 'h');
    // A is sending `last`, the end of its lane.
    await handle.db
      .updateTable('deliveries')
      .set({ locked_by: 'A', locked_at: 1_000 })
      .where('id', '=', last!)
      .execute();
    // B leases the second row behind A's last and has not committed: A's lease of it waits for
    // B's row lock, then finds it taken.
    const b = new pg.Client(url);
    await b.connect();
    try {
      await b.query('begin');
      await b.query('update deliveries set locked_by = $1, locked_at = $2 where id = $3', ['B', 1_000, w2]);
      const extending = store.extendLane(handle.db, extensionByA('w', last!));
      await setTimeout(200);
      await b.query('commit');
      expect((await extending).deliveries.map((d) => d.id)).toEqual([w1]);
    } finally {
      await b.end();
    }
    // The row behind B's went back: it is not A's to send before B's.
    expect(await holdersOf([w1!, w2!, w3!])).toEqual(['A', 'B', null]);
  });

  it('a lane goes on only while it holds its last row, and never past a late row below it', async () => {
    await insertIntegrationRow(handle.db, 'v');
    const [late, last, next] = await queued('v', 3, 'k');
    const extension = extensionByA('v', last!);
    // Not A's last row (nobody leased it to A): no lane to extend, and no word on what is behind.
    const refused = { deliveries: [], drained: false, whole: false };
    expect(await store.extendLane(handle.db, extension)).toEqual(refused);
    await handle.db
      .updateTable('deliveries')
      .set({ locked_by: 'A', locked_at: 1_000 })
      .where('id', '=', last!)
      .execute();
    // `late` committed after A's lane was claimed, with a lower id: it is the queue's head now.
    expect(await store.extendLane(handle.db, extension)).toEqual(refused);
    await handle.db.updateTable('deliveries').set({ status: 'done' }).where('id', '=', late!).execute();
    expect((await store.extendLane(handle.db, extension)).deliveries.map((d) => d.id)).toEqual([next]);
    // Once the last row is recorded, the lease that kept other claims off is gone: no more.
    await handle.db
      .updateTable('deliveries')
      .set({ status: 'done' })
      .where('id', 'in', [last!, next!])
      .execute();
    await store.enqueue(handle.db, { integrationIds: ['v'], auditId: 'k3', kind: 'flag', at: 0 });
    expect(await store.extendLane(handle.db, { ...extension, afterId: next! })).toEqual(refused);
  });
});
