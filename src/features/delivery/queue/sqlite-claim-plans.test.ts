import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillOutbox, queueStatements } from '../../../../test/helpers/queue-statements.js';
import { type DatabaseHandle, migrateToLatest, openSqlite } from '../../../db/database.js';
import { IntegrationHealthStore } from '../integration-health-store.js';
import { SqliteDeliveryQueue } from './sqlite-delivery-queue.js';

let dir: string;
let handle: DatabaseHandle;
let connection: SqliteDatabase.Database;
const queue = new SqliteDeliveryQueue(new IntegrationHealthStore());

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-plans-'));
  handle = openSqlite(join(dir, 'db.sqlite'));
  await migrateToLatest(handle.db);
  await fillOutbox(handle.db, queue, 100_000, 'recursive');
  connection = new SqliteDatabase(join(dir, 'db.sqlite'));
});
afterAll(async () => {
  connection?.close();
  await handle?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the delivery queue on SQLite with 100,000 delivered rows', () => {
  it.each(['without statistics', 'after ANALYZE'])(
    'claims, looks ahead, counts and prunes through indexes, scanning only the integrations (%s)',
    async (state) => {
      if (state === 'after ANALYZE') await sql`analyze`.execute(handle.db);
      const statements = await queueStatements(new SqliteDialect({ database: connection }), queue);
      expect(statements.length).toBeGreaterThanOrEqual(7);
      const scans = statements.flatMap((statement) => {
        const plan = connection
          .prepare(`explain query plan ${statement.sql}`)
          .all(...statement.parameters) as {
          detail: string;
        }[];
        // `SCAN i` is the integrations table, one row each; any other SCAN reads a whole table,
        // and deliveries_log (integration_id, id) holds every row an integration ever had.
        return plan
          .filter(
            (p) =>
              (/^SCAN /.test(p.detail) && !/^SCAN i\b/.test(p.detail)) || /deliveries_log/.test(p.detail),
          )
          .map((p) => `${statement.sql}: ${p.detail}`);
      });
      expect(scans).toEqual([]);
    },
  );
});
