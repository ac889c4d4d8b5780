import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openPostgres } from '../../src/db/database.js';
import { IntegrationHealthStore } from '../../src/features/delivery/integration-health-store.js';
import { PostgresDeliveryQueue } from '../../src/features/delivery/queue/postgres-delivery-queue.js';
import { insertIntegrationRow } from '../helpers/integration-rows.js';
import { LatencyProxy } from '../helpers/latency-proxy.js';
import { freshPostgresDatabase } from '../helpers/test-switchboard.js';

// With PostgreSQL on another host each round trip is a network's latency, so a delivery's
// claim is counted in them: the proxy counts the pool's one connection's round trips.

let handle: DatabaseHandle;
let proxy: LatencyProxy;
let drop: () => Promise<void>;
const queue = new PostgresDeliveryQueue(new IntegrationHealthStore());

beforeAll(async () => {
  let url: string;
  ({ url, drop } = await freshPostgresDatabase());
  const { hostname, port } = new URL(url);
  proxy = await LatencyProxy.start({ host: hostname, port: Number(port) });
  handle = await openPostgres(proxy.through(url), { poolSize: 1 });
  await migrateToLatest(handle.db);
  for (const id of ['x', 'y']) await insertIntegrationRow(handle.db, id);
});
afterAll(async () => {
  await handle?.close();
  await proxy?.close();
  await drop?.();
});
beforeEach(async () => {
  await sql`delete from deliveries`.execute(handle.db);
  // The connection open and idle, so only what the test sends is counted.
  await sql`select 1`.execute(handle.db);
  proxy.roundTrips = 0;
});

const claim = { workerId: 'A', now: 1_000, staleBefore: -1, limit: 10, depth: 16, busy: new Set<string>() };

async function enqueue(integrationIds: string[], auditId: string): Promise<void> {
  await queue.enqueue(handle.db, { integrationIds, auditId, kind: 'flag', at: 0 });
}

describe('round trips to PostgreSQL', () => {
  it('a claim is two: its heads, then its begin, locks, lanes and commit sent before the first answer', async () => {
    await enqueue(['x', 'y'], 'a1');
    await enqueue(['x'], 'a2');
    proxy.roundTrips = 0;
    const lanes = await queue.claimLanes(handle.db, claim);
    expect(proxy.roundTrips).toBe(2);
    expect(lanes.map((l) => [l.integrationId, l.deliveries.map((d) => d.auditId), l.whole])).toEqual([
      ['x', ['a1', 'a2'], true],
      ['y', ['a1'], true],
    ]);
    // Committed: another worker's claim finds every row leased.
    expect(await queue.claimLanes(handle.db, { ...claim, workerId: 'B' })).toEqual([]);
  });

  it('a claim that finds nothing, or only integrations it is busy with, is its one read', async () => {
    expect(await queue.claimLanes(handle.db, claim)).toEqual([]);
    await enqueue(['x'], 'a1');
    proxy.roundTrips = 0;
    expect(await queue.claimLanes(handle.db, { ...claim, busy: new Set(['x']) })).toEqual([]);
    expect(proxy.roundTrips).toBe(1);
    // Nothing was left leased or locked: the next claim takes it.
    const [lane] = await queue.claimLanes(handle.db, claim);
    expect(lane?.deliveries.map((d) => d.auditId)).toEqual(['a1']);
  });

  it('a transaction’s begin goes with its first write, not a round trip ahead of it', async () => {
    await handle.db.transaction().execute(async (tx) => {
      await tx.insertInto('deliveries').values(row('t1')).execute();
      await tx.insertInto('deliveries').values(row('t2')).execute();
    });
    // begin + the first insert, the second, commit.
    expect(proxy.roundTrips).toBe(3);
    const rows = await handle.db.selectFrom('deliveries').select('audit_id').orderBy('id').execute();
    expect(rows.map((r) => r.audit_id)).toEqual(['t1', 't2']);
  });
});

function row(auditId: string) {
  return {
    integration_id: 'x',
    audit_id: auditId,
    kind: 'flag',
    status: 'pending' as const,
    run_at: 0,
    created_at: 0,
  };
}
