import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';

/** A bare integration row (HipChat, empty document): enough for outbox rows to refer to. */
export async function insertIntegrationRow(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .insertInto('integrations')
    .values({
      id,
      scope: 'hipchat',
      key: id,
      doc: '{}',
      version: 1,
      created_at: 0,
      lookup: null,
      secret: null,
    })
    .execute();
}
