import type { Kysely } from 'kysely';
import { serialKey } from './dialect.js';

/**
 * Integrations (a versioned document like every resource, the token sealed in `secret`), their
 * health, and the delivery outbox with one row per attempt. `deliveries.id` is the commit order
 * of the changes, which is the order an integration hears about them.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('integrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('doc', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('lookup', 'text', (c) => c.unique())
    .addColumn('secret', 'text')
    .addUniqueConstraint('integrations_scope_key', ['scope', 'key'])
    .execute();

  // Bumped in every transaction that changes an integration, so fan-out (possibly in another
  // process) knows when its compiled copy of the filters is stale.
  await db.schema
    .createTable('integration_generation')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('generation', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('integration_generation').values({ id: 1, generation: 0 }).execute();

  await db.schema
    .createTable('integration_status')
    .addColumn('integration_id', 'text', (c) =>
      c.primaryKey().references('integrations.id').onDelete('cascade'),
    )
    .addColumn('success_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_success', 'bigint')
    .addColumn('last_error', 'bigint')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failing_since', 'bigint')
    .addColumn('errored_reason', 'text')
    .addColumn('recent_errors', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('id', ...serialKey(db))
    .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
    .addColumn('audit_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  // The head of each integration's queue: the oldest pending row.
  await db.schema
    .createIndex('deliveries_queue')
    .on('deliveries')
    .columns(['status', 'integration_id', 'id'])
    .execute();
  await db.schema.createIndex('deliveries_log').on('deliveries').columns(['integration_id', 'id']).execute();

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('id', ...serialKey(db))
    .addColumn('delivery_id', 'bigint', (c) => c.notNull().references('deliveries.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('error_class', 'text')
    .addColumn('response_excerpt', 'text')
    .execute();
  await db.schema
    .createIndex('delivery_attempts_delivery')
    .on('delivery_attempts')
    .columns(['delivery_id', 'id'])
    .execute();
}
