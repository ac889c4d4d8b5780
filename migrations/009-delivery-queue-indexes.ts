import { type Kysely, sql } from 'kysely';

/**
 * Index only what the queue and the pruner look for (issue 19). The queue reads pending rows
 * alone: heads, the rows behind them, a lane's leases, pending counts. On (status,
 * integration_id, id) over every row PostgreSQL's planner costed the claim's join against the
 * whole table and chose a hash join over a sequential scan of it (50 ms at 64,700 rows); a
 * partial index holds the pending rows only, so it stays as small as the queue however many
 * deliveries are kept, and its predicate says what the queries mean. Finished rows are found
 * by when they finished, for the retention pruner (`delivery-retention.ts`).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('deliveries_pending')
    .on('deliveries')
    .columns(['integration_id', 'id'])
    .where(sql.ref('status'), '=', sql.lit('pending'))
    .execute();
  await db.schema
    .createIndex('deliveries_finished')
    .on('deliveries')
    .column('finished_at')
    .where(sql.ref('finished_at'), 'is not', null)
    .execute();
  // Replaced by deliveries_pending: one index less to write on every insert and finish.
  await db.schema.dropIndex('deliveries_queue').execute();
}
