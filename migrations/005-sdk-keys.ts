import type { Kysely } from 'kysely';

/**
 * SDK credentials (server-side SDK keys, mobile keys) as rows of their own instead of fields of
 * the environment document, where they sat in clear. `lookup` is the SHA-256 of the key, which is
 * how an SDK request finds its environment (one index probe, never a scan); `sealed` is the key
 * under the server's secret key, so those with `viewSdkKey` can read it back. `expires_at` is null
 * for the current key and set on a key rotated out with a grace period.
 *
 * The keys already in environment documents are moved here at start-up (EnvironmentService
 * .sealPlainKeys), not in this migration: sealing needs the secret key, which migrations lack.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sdk_keys')
    .addColumn('lookup', 'text', (c) => c.primaryKey())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('project_key', 'text', (c) => c.notNull())
    .addColumn('env_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('sdk_keys_environment')
    .on('sdk_keys')
    .columns(['environment_id', 'kind'])
    .execute();
  await db.schema.createIndex('sdk_keys_project').on('sdk_keys').column('project_key').execute();
}
