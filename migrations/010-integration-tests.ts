import type { Kysely } from 'kysely';
import { serialKey } from './dialect.js';

/**
 * The Test button's messages, so the delivery log can show them as tests beside the deliveries
 * they are counted with in the integration's health (issue 20). Not deliveries: no audit entry,
 * no retry, never re-sent. A few per integration are kept (see IntegrationHealthStore).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('integration_tests')
    .addColumn('id', ...serialKey(db))
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('error_class', 'text')
    .addColumn('detail', 'text')
    .addColumn('actor_name', 'text')
    .execute();
  await db.schema
    .createIndex('integration_tests_integration')
    .on('integration_tests')
    .columns(['integration_id', 'id'])
    .execute();
}
