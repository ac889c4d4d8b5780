import { setTimeout } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openPostgres } from '../../src/db/database.js';
import { IntegrationHealthStore } from '../../src/features/delivery/integration-health-store.js';
import {
  claimLockSpace,
  PostgresDeliveryQueue,
} from '../../src/features/delivery/queue/postgres-delivery-queue.js';
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

describe('claiming lanes on PostgreSQL, two workers', () => {
  it('never takes rows that another worker’s claim is leasing at the same moment', async () => {
    for (let i = 1; i <= 6; i++)
      await store.enqueue(handle.db, { integrationIds: ['x'], auditId: `e${i}`, kind: 'flag', at: 0 });
    const rows = await handle.db.selectFrom('deliveries').select('id').orderBy('id').execute();
    const [first, ...rest] = rows.map((r) => Number(r.id));

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
    for (let i = 1; i <= 3; i++)
      await store.enqueue(handle.db, { integrationIds: ['y'], auditId: `f${i}`, kind: 'flag', at: 0 });
    const rows = await handle.db
      .selectFrom('deliveries')
      .select('id')
      .where('integration_id', '=', 'y')
      .orderBy('id')
      .execute();
    const [first, ...rest] = rows.map((r) => Number(r.id));
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
});
