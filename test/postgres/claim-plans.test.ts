import type { CompiledQuery } from 'kysely';
import { PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openPostgres } from '../../src/db/database.js';
import { IntegrationHealthStore } from '../../src/features/delivery/integration-health-store.js';
import { PostgresDeliveryQueue } from '../../src/features/delivery/queue/postgres-delivery-queue.js';
import { fillOutbox, queueStatements } from '../helpers/queue-statements.js';
import { freshPostgresDatabase } from '../helpers/test-switchboard.js';

let handle: DatabaseHandle;
let url: string;
let drop: () => Promise<void>;
let pool: pg.Pool;
const queue = new PostgresDeliveryQueue(new IntegrationHealthStore());

beforeAll(async () => {
  ({ url, drop } = await freshPostgresDatabase());
  handle = await openPostgres(url);
  await migrateToLatest(handle.db);
  await fillOutbox(handle.db, queue, 100_000, 'generate_series');
  pool = new pg.Pool({ connectionString: url, max: 2, pipeline: true });
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await handle?.close();
  await drop?.();
});

/** Each statement's plan, by EXPLAIN with the parameters it ran with. */
async function plans(statements: readonly CompiledQuery[]): Promise<{ sql: string; plan: string }[]> {
  const result = [];
  for (const statement of statements) {
    const { rows } = await pool.query(`explain ${statement.sql}`, [...statement.parameters]);
    result.push({ sql: statement.sql, plan: rows.map((r) => r['QUERY PLAN']).join('\n') });
  }
  return result;
}

/**
 * Statements whose plan reads every row of `deliveries`, or every row an integration ever had
 * (deliveries_log, the delivery log's index).
 */
const scanning = (found: { sql: string; plan: string }[]) =>
  found.filter((p) => /Seq Scan on deliveries|deliveries_log/.test(p.plan)).map((p) => `${p.sql}\n${p.plan}`);

describe('the delivery queue on PostgreSQL with 100,000 delivered rows', () => {
  // Both states a deployment is in: before autovacuum has analyzed the tables (a fresh or small
  // database: `integrations` never reaches autovacuum's threshold), and after.
  it.each(['without statistics', 'after ANALYZE'])(
    'claims, looks ahead, counts and prunes through indexes, never a sequential scan (%s)',
    async (state) => {
      if (state === 'after ANALYZE') await sql`analyze`.execute(handle.db);
      const statements = await queueStatements(new PostgresDialect({ pool }), queue);
      // The claim's heads, its locks, the statement that takes its lanes; then the others.
      expect(statements.length).toBeGreaterThanOrEqual(7);
      const found = await plans(statements);
      expect(scanning(found)).toEqual([]);
      // The heads are read from the pending rows' index, once per integration.
      const heads = found.find((p) => /inner join lateral/.test(p.sql));
      expect(heads?.plan).toMatch(/Index Scan using deliveries_pending on deliveries/);
      // The lanes: the heads, the lane check and the rows behind, each from the pending rows.
      const lanes = found.find((p) => /for update of d skip locked/.test(p.sql));
      expect(lanes?.plan.match(/Scan using deliveries_pending|Scan on deliveries_pending/g)).toHaveLength(3);
    },
  );
});
