import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openPostgres } from '../../src/db/database.js';
import { insertIntegrationRow } from '../helpers/integration-rows.js';
import { LatencyProxy } from '../helpers/latency-proxy.js';
import { freshPostgresDatabase } from '../helpers/test-switchboard.js';

// With PostgreSQL on another host each round trip is a network's latency: the proxy counts the
// round trips of the pool's one connection.

let handle: DatabaseHandle;
let proxy: LatencyProxy;
let drop: () => Promise<void>;

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

describe('round trips to PostgreSQL', () => {
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
