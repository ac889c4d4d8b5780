import { type CompiledQuery, type Dialect, Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { AuditStore, createdOrderMarginMs } from '../../src/features/audit/audit-store.js';
import type { DeliveryQueue } from '../../src/features/delivery/queue/delivery-queue.js';
import { insertIntegrationRow } from './integration-rows.js';

export const integrations = Array.from({ length: 10 }, (_, i) => `i${i}`);

/**
 * A queue as it stands after a long life: `delivered` finished rows spread over ten integrations
 * (one statement, not the API), then five pending deliveries each, the head of one leased by
 * another worker and the head of another due later.
 */
export async function fillOutbox(
  db: Kysely<Database>,
  queue: DeliveryQueue,
  delivered: number,
  rows: 'generate_series' | 'recursive',
): Promise<void> {
  for (const id of integrations) await insertIntegrationRow(db, id);
  const source =
    rows === 'generate_series'
      ? sql`generate_series(1, ${delivered}) as s(n)`
      : sql`(with recursive s(n) as (select 1 union all select n + 1 from s where n < ${delivered}) select n from s) as s`;
  await sql`insert into deliveries
      (integration_id, audit_id, kind, status, attempts, run_at, created_at, finished_at)
    select 'i' || (n % 10), 'a' || n, 'flag', 'done', 1, n, n, n + 1 from ${source}`.execute(db);
  for (let k = 0; k < 5; k++)
    await queue.enqueue(db, { integrationIds: integrations, auditId: `p${k}`, kind: 'flag', at: 0 });
  const heads = await db
    .selectFrom('deliveries')
    .select(['integration_id', (eb) => eb.fn.min('id').as('id')])
    .where('status', '=', 'pending')
    .groupBy('integration_id')
    .execute();
  const head = (id: string) => Number(heads.find((h) => h.integration_id === id)?.id);
  await db
    .updateTable('deliveries')
    .set({ locked_by: 'B', locked_at: 1_000 })
    .where('id', '=', head('i0'))
    .execute();
  await db.updateTable('deliveries').set({ run_at: 10_000 }).where('id', '=', head('i1')).execute();
  // An audit log as long, every entry dated more than a day before the first delivery.
  await sql`insert into audit_entries (id, date, kind, search, accesses, entry)
    select 'old' || n, ${-2 * createdOrderMarginMs} - n, 'flag', '', '[]', '{}' from ${source}`.execute(db);
}

/**
 * Every distinct statement the queue runs to claim lanes, find the next due head, count an
 * integration's pending rows, give rows back and prune, and the audit log's retention runs where
 * the audit log is kept longer than the delivery log, with the parameters they ran with: run on
 * a Kysely that logs them, over `dialect` (a connection to the filled database).
 */
export async function queueStatements(dialect: Dialect, queue: DeliveryQueue): Promise<CompiledQuery[]> {
  const captured: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect,
    log: (event) => {
      if (event.level === 'query') captured.push(event.query);
    },
  });
  const lanes = await queue.claimLanes(db, {
    workerId: 'A',
    now: 2_000,
    staleBefore: 500,
    limit: 10,
    depth: 4,
    busy: new Set(['i9']),
  });
  // Some lanes were claimed (so every statement of a claim ran), none of the held-back ones.
  if (lanes.length === 0 || lanes.some((l) => ['i0', 'i1', 'i9'].includes(l.integrationId)))
    throw new Error(`unexpected lanes: ${lanes.map((l) => l.integrationId).join(', ')}`);
  // Given back, so the next call finds the same queue.
  await queue.release(
    db,
    lanes.flatMap((l) => l.deliveries.map((d) => d.id)),
    'A',
  );
  await queue.nextDueAt(db, 500);
  await queue.pendingCount(db, 'i3');
  await queue.prune(db, 1_000, 500);
  const audit = await new AuditStore().prune(db, 0, 500);
  if (audit.deleted !== 500) throw new Error(`the audit prune deleted ${audit.deleted} entries, not 500`);
  const seen = new Set<string>();
  return captured.filter(
    (q) => !/^\s*(begin|commit|rollback)/i.test(q.sql) && !seen.has(q.sql) && seen.add(q.sql) !== undefined,
  );
}
