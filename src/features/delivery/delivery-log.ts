import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AuditEntry } from '../audit/audit-model.js';

export interface DeliveryAttemptView {
  attempt: number;
  at: number;
  outcome: string;
  statusCode?: number;
  latencyMs: number;
  errorClass?: string;
  responseExcerpt?: string;
}

export interface DeliveryView {
  _id: number;
  auditId: string;
  kind: string;
  title: string;
  status: string;
  attempts: number;
  createdAt: number;
  nextAttemptAt?: number;
  finishedAt?: number;
  lastError?: string;
  attemptLog: DeliveryAttemptView[];
}

/**
 * The delivery log as people read it: each delivery of an integration with its attempts, newest
 * first. A read model over the outbox tables, separate from the write side (DeliveryQueue).
 */
export class DeliveryLog {
  constructor(private readonly database: Kysely<Database>) {}

  async page(
    integrationId: string,
    limit: number,
    before?: number,
  ): Promise<{ items: DeliveryView[]; next?: number }> {
    let query = this.database
      .selectFrom('deliveries as d')
      .leftJoin('audit_entries as a', 'a.id', 'd.audit_id')
      .select([
        'd.id',
        'd.audit_id',
        'd.kind',
        'd.status',
        'd.attempts',
        'd.created_at',
        'd.run_at',
        'd.finished_at',
        'd.last_error',
        'a.entry',
      ])
      .where('d.integration_id', '=', integrationId)
      .orderBy('d.id', 'desc')
      .limit(limit + 1);
    if (before !== undefined) query = query.where('d.id', '<', before);
    const rows = await query.execute();
    const page = rows.slice(0, limit);
    const ids = page.map((r) => Number(r.id));
    const attempts =
      ids.length === 0
        ? []
        : await this.database
            .selectFrom('delivery_attempts')
            .selectAll()
            .where('delivery_id', 'in', ids)
            .orderBy('id')
            .execute();
    const items = page.map((row): DeliveryView => {
      const entry = row.entry === null ? undefined : (JSON.parse(row.entry) as AuditEntry);
      return {
        _id: Number(row.id),
        auditId: row.audit_id,
        kind: row.kind,
        title: entry?.title ?? '(audit entry not found)',
        status: row.status,
        attempts: Number(row.attempts),
        createdAt: Number(row.created_at),
        ...(row.status === 'pending' ? { nextAttemptAt: Number(row.run_at) } : {}),
        ...(row.finished_at === null ? {} : { finishedAt: Number(row.finished_at) }),
        ...(row.last_error === null ? {} : { lastError: row.last_error }),
        attemptLog: attempts
          .filter((a) => Number(a.delivery_id) === Number(row.id))
          .map((a) => ({
            attempt: Number(a.attempt),
            at: Number(a.at),
            outcome: a.outcome,
            ...(a.status_code === null ? {} : { statusCode: Number(a.status_code) }),
            latencyMs: Number(a.latency_ms),
            ...(a.error_class === null ? {} : { errorClass: a.error_class }),
            ...(a.response_excerpt === null ? {} : { responseExcerpt: a.response_excerpt }),
          })),
      };
    });
    const last = page[page.length - 1];
    return rows.length > limit && last !== undefined ? { items, next: Number(last.id) } : { items };
  }
}
