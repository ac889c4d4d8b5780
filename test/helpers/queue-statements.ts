import { type CompiledQuery, type Dialect, Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { AuditStore } from '../../src/features/audit/audit-store.js';
import {
  createdOrderMarginMs,
  deliveriesOfDates,
  type IdSpan,
} from '../../src/features/audit/named-entries.js';
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
    select 'i' || (n % 10), 'a' || n, 'flag', 'done', 1, n, cast(n as bigint) * ${createdEveryMs}, n + 1 from ${source}`.execute(
    db,
  );
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
  // An audit log as long, every entry dated more than a day before the first delivery; and the
  // entries of a day in the middle of the delivery log, for a window that must read who names them.
  await sql`insert into audit_entries (id, date, kind, search, accesses, entry)
    select 'old' || n, ${-2 * createdOrderMarginMs} - n, 'flag', '', '[]', '{}' from ${source}`.execute(db);
  const middle = Math.floor(delivered / 2);
  await sql`insert into audit_entries (id, date, kind, search, accesses, entry)
    select 'a' || n, cast(n as bigint) * ${createdEveryMs}, 'flag', '', '[]', '{}' from ${source}
    where n between ${middle} and ${middle + perDay}`.execute(db);
}

/** Deliveries are created a minute apart: 100,000 span about 70 days. */
const createdEveryMs = 60_000;
const perDay = createdOrderMarginMs / createdEveryMs;

/**
 * Every distinct statement the queue runs to claim lanes, find the next due head, count an
 * integration's pending rows, give rows back and prune, and the audit log's retention runs (where
 * the audit log is kept longer than the delivery log, and where it is not), with the parameters
 * they ran with: run on a Kysely that logs them, over `dialect` (a connection to the filled
 * database).
 */
export async function queueStatements(dialect: Dialect, queue: DeliveryQueue): Promise<CompiledQuery[]> {
  const captured: CompiledQuery[] = [];
  let capturing = true;
  const db = new Kysely<Database>({
    dialect,
    log: (event) => {
      if (event.level === 'query' && capturing) captured.push(event.query);
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
  // A window of the middle day, past the old entries: each named by its delivery, so all stay.
  const named = await new AuditStore().prune(db, Number.MAX_SAFE_INTEGER, 500, { date: 0, seq: 0 });
  if (named.deleted !== 0) throw new Error(`the audit prune deleted ${named.deleted} named entries`);
  capturing = false;
  // That window's read of `deliveries` is bounded by ids, to its dates and a day either side:
  // about three days of the seventy (a range of the primary key, whatever the plan shows).
  const middle = (
    await db
      .selectFrom('audit_entries')
      .select(['date'])
      .where('id', 'like', 'a%')
      .orderBy('date')
      .limit(500)
      .execute()
  ).map((r) => Number(r.date));
  const span = await deliveriesOfDates(db, middle[0] ?? 0, middle.at(-1) ?? 0);
  const rows = span === undefined ? 0 : await deliveriesIn(db, span);
  if (span === undefined || rows > 4 * perDay)
    throw new Error(`the audit prune's read of deliveries spans ${rows} rows`);
  const seen = new Set<string>();
  return captured.filter(
    (q) => !/^\s*(begin|commit|rollback)/i.test(q.sql) && !seen.has(q.sql) && seen.add(q.sql) !== undefined,
  );
}

/** How many deliveries an audit window's read may go through (`deliveriesOfDates`). */
export async function deliveriesIn(db: Kysely<Database>, span: IdSpan): Promise<number> {
  let query = db
    .selectFrom('deliveries')
    .select((e) => e.fn.countAll<number>().as('n'))
    .where('id', '>', span.after);
  if (span.before !== undefined) query = query.where('id', '<', span.before);
  return Number((await query.executeTakeFirstOrThrow()).n);
}
