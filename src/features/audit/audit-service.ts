import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AuditEntryDetail } from './audit-model.js';
import type { AuditPage, AuditStore } from './audit-store.js';

export interface AuditListQuery {
  readonly before?: number | undefined;
  readonly after?: number | undefined;
  readonly q?: string | undefined;
  readonly spec?: string | undefined;
  readonly limit: number;
  readonly cursor?: number | undefined;
}

export class AuditService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: AuditStore,
  ) {}

  list(query: AuditListQuery): Promise<AuditPage> {
    return this.store.list(this.db, query);
  }

  get(id: string): Promise<AuditEntryDetail | undefined> {
    return this.store.get(this.db, id);
  }
}
