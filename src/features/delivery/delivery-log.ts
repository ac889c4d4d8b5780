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

/** A Test button message in the log: not a delivery, but counted with them in the health. */
export interface TestView {
  _id: number;
  at: number;
  ok: boolean;
  statusCode?: number;
  latencyMs: number;
  errorClass?: string;
  /** The answer's excerpt, or the network error. */
  detail?: string;
  actorName?: string;
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
  ): Promise<{ items: DeliveryView[]; tests: TestView[]; next?: number }> {
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
    const hasNext = rows.length > limit && last !== undefined;
    const tests = await this.testsBetween(
      integrationId,
      hasNext ? Number(last.created_at) : undefined,
      before === undefined ? undefined : await this.createdAt(before),
    );
    return hasNext ? { items, tests, next: Number(last.id) } : { items, tests };
  }

  /**
   * The tests sent in the time a page of deliveries covers (from its oldest delivery, or the
   * beginning on the last page, up to the delivery it continues from), newest first, so paging
   * shows each test once beside the deliveries of its time.
   */
  private async testsBetween(integrationId: string, from?: number, until?: number): Promise<TestView[]> {
    let query = this.database
      .selectFrom('integration_tests')
      .selectAll()
      .where('integration_id', '=', integrationId)
      .orderBy('id', 'desc');
    if (from !== undefined) query = query.where('at', '>=', from);
    if (until !== undefined) query = query.where('at', '<', until);
    const rows = await query.execute();
    return rows.map((t) => ({
      _id: Number(t.id),
      at: Number(t.at),
      ok: Number(t.ok) === 1,
      ...(t.status_code === null ? {} : { statusCode: Number(t.status_code) }),
      latencyMs: Number(t.latency_ms),
      ...(t.error_class === null ? {} : { errorClass: t.error_class }),
      ...(t.detail === null ? {} : { detail: t.detail }),
      ...(t.actor_name === null ? {} : { actorName: t.actor_name }),
    }));
  }

  private async createdAt(deliveryId: number): Promise<number | undefined> {
    const row = await this.database
      .selectFrom('deliveries')
      .select('created_at')
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.created_at);
  }
}
