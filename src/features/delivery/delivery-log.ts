import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../shared/ids.js';
import type { AuditEntry } from '../audit/audit-model.js';
import { pending } from './queue/outbox-queue.js';

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
  /** Why a pending delivery not yet tried is not being sent (`waitingFor`). */
  waitingFor?: WaitingFor;
  attemptLog: DeliveryAttemptView[];
}

/**
 * What holds back a pending delivery that has not been tried: `rateLimit`, the chat service's
 * limit for its room, channel or token (a throttle's wait, or a 429's reset heard on another
 * lane), until `nextAttemptAt`; `earlierDelivery`, an older delivery of the same integration
 * not delivered yet (each integration's deliveries go in order). A delivery that was tried and
 * failed says why in `lastError` instead, with its `nextAttemptAt`.
 */
export type WaitingFor = 'rateLimit' | 'earlierDelivery';

/**
 * Why a pending row with no attempt waits, if anything holds it: only the throttle moves such a
 * row's `run_at` past now (a re-send sets it to the re-send's time), and only the oldest pending
 * row of an integration, its head, is ever sent.
 */
function waitingFor(
  row: { id: number; status: string; attempts: number; runAt: number },
  head: number | undefined,
  now: number,
): WaitingFor | undefined {
  if (row.status !== 'pending' || row.attempts > 0) return undefined;
  if (head !== undefined && row.id > head) return 'earlierDelivery';
  return row.runAt > now ? 'rateLimit' : undefined;
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
  constructor(
    private readonly database: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

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
    const untried = page.some((r) => r.status === 'pending' && Number(r.attempts) === 0);
    const head = untried ? await this.head(integrationId) : undefined;
    const now = this.clock();
    const items = page.map((row): DeliveryView => {
      const entry = row.entry === null ? undefined : (JSON.parse(row.entry) as AuditEntry);
      const waiting = waitingFor(
        { id: Number(row.id), status: row.status, attempts: Number(row.attempts), runAt: Number(row.run_at) },
        head,
        now,
      );
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
        ...(waiting === undefined ? {} : { waitingFor: waiting }),
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

  /** The integration's oldest pending delivery: the one its lane sends next. */
  private async head(integrationId: string): Promise<number | undefined> {
    const row = await this.database
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min('id').as('head'))
      .where('integration_id', '=', integrationId)
      .where('status', '=', pending) // a literal, so the partial index `deliveries_pending` serves it
      .executeTakeFirst();
    return row?.head === null || row?.head === undefined ? undefined : Number(row.head);
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
