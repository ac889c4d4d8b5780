import type { Kysely } from 'kysely';

/**
 * What SDK analytics events leave behind (issue 14): evaluation counts per hour, flag and
 * variation, and when each flag was last evaluated. No context is stored. Keyed by the
 * project's and environment's keys, the way the read API names them. `variation` is -1 when
 * the SDK served the application's default (flag off without an off variation, or an error).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('flag_evaluations')
    .addColumn('project_key', 'text', (c) => c.notNull())
    .addColumn('env_key', 'text', (c) => c.notNull())
    .addColumn('flag_key', 'text', (c) => c.notNull())
    .addColumn('variation', 'integer', (c) => c.notNull())
    // Epoch ms of the start of the hour (UTC).
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    // The read asks for one flag of one environment over a range of hours: the key's order serves it.
    .addPrimaryKeyConstraint('flag_evaluations_pk', [
      'project_key',
      'env_key',
      'flag_key',
      'hour',
      'variation',
    ])
    .execute();
  // Pruning old hours scans by hour alone.
  await db.schema.createIndex('flag_evaluations_hour').on('flag_evaluations').column('hour').execute();
  await db.schema
    .createTable('flag_last_evaluated')
    .addColumn('project_key', 'text', (c) => c.notNull())
    .addColumn('env_key', 'text', (c) => c.notNull())
    .addColumn('flag_key', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('flag_last_evaluated_pk', ['project_key', 'env_key', 'flag_key'])
    .execute();
}
