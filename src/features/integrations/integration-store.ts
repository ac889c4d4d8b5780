import type { Transaction } from 'kysely';
import type { DocumentStore, NewDocument, StoredDocument } from '../../db/document-store.js';
import type { Database, Executor } from '../../db/schema.js';
import { IntegrationDirectory } from './integration-directory.js';
import type { IntegrationDoc } from './integration-model.js';

export type StoredIntegration = StoredDocument<IntegrationDoc>;

/**
 * The integrations table for the service that changes it. Every write stamps the directory's
 * generation in the same transaction, so fan-out never matches against a stale filter: the rule
 * lives here, where no write can forget it.
 */
export class IntegrationStore {
  constructor(private readonly documents: DocumentStore<IntegrationDoc>) {}

  getById(db: Executor, id: string): Promise<StoredIntegration | undefined> {
    return this.documents.getById(db, id);
  }

  list(db: Executor, kind: string): Promise<StoredIntegration[]> {
    return this.documents.list(db, kind);
  }

  /** The sealed secret; null or undefined when there is none. */
  getSecret(db: Executor, id: string): Promise<string | null | undefined> {
    return this.documents.getSecret(db, id);
  }

  async insert(tx: Transaction<Database>, doc: NewDocument<IntegrationDoc>): Promise<StoredIntegration> {
    const stored = await this.documents.insert(tx, doc);
    await IntegrationDirectory.touch(tx);
    return stored;
  }

  async update(
    tx: Transaction<Database>,
    current: StoredIntegration,
    doc: IntegrationDoc,
    sealedSecret?: string,
  ): Promise<StoredIntegration> {
    const updated = await this.documents.update(
      tx,
      current,
      doc,
      sealedSecret === undefined ? {} : { secret: sealedSecret },
    );
    await IntegrationDirectory.touch(tx);
    return updated;
  }

  async delete(tx: Transaction<Database>, current: StoredIntegration): Promise<void> {
    await this.documents.delete(tx, current);
    await IntegrationDirectory.touch(tx);
  }
}
