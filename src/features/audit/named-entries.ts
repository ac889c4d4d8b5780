import type { Executor } from '../../db/schema.js';

/** How far a delivery's `created_at` may run behind one numbered before it (see `namedEntries`). */
export const createdOrderMarginMs = 24 * 60 * 60 * 1000;

/** The entries of one window of the audit log's retention, dated `from` to `to` (inclusive). */
export interface EntryWindow {
  readonly from: number;
  readonly to: number;
  readonly ids: readonly string[];
}

/**
 * Which of the window's entries a delivery names (and so must stay: `AuditStore.prune`).
 *
 * `deliveries` is not indexed by entry nor by date: either index would be one more write per
 * delivery on the hot path (bench/README, issue 19's eleventh round). A delivery takes its
 * entry's date as `created_at` and ids grow as deliveries are created, out of order by at most
 * `createdOrderMarginMs` (clocks, transactions committing out of order): a delivery created a
 * margin before `from` is numbered below every delivery of the window, one created a margin
 * after `to` above them. So the deliveries to read are found by searching the primary key:
 * none when the window ends a margin before the lowest-numbered delivery was created (the case
 * whenever the audit log is kept longer than the delivery log); otherwise the ids between two
 * such deliveries, found by bisection (a primary-key seek a step), which hold the window's dates
 * and a margin either side instead of the whole table.
 */
export async function namedEntries(db: Executor, window: EntryWindow): Promise<Set<string>> {
  const span = await deliveriesOfDates(db, window.from, window.to);
  if (span === undefined) return new Set();
  let query = db
    .selectFrom('deliveries')
    .select('audit_id')
    .where('id', '>', span.after)
    .where('created_at', '>=', window.from)
    .where('created_at', '<=', window.to)
    .where('audit_id', 'in', window.ids);
  if (span.before !== undefined) query = query.where('id', '<', span.before);
  const rows = await query.execute();
  return new Set(rows.map((r) => r.audit_id));
}

/** The ids after `after` and before `before` (to the table's end when that is undefined). */
export interface IdSpan {
  readonly after: number;
  readonly before: number | undefined;
}

/**
 * The ids that hold every delivery created from `from` to `to` (inclusive): undefined when
 * there can be none (they end a margin before the lowest-numbered delivery was created).
 */
export async function deliveriesOfDates(db: Executor, from: number, to: number): Promise<IdSpan | undefined> {
  const lowest = await lowestDelivery(db);
  if (lowest === undefined || to < lowest.created_at - createdOrderMarginMs) return undefined;
  const highest = await highestId(db);
  const earlier = from - createdOrderMarginMs;
  const later = to + createdOrderMarginMs;
  // Every delivery numbered up to `after` was created before `from`; from `before` on, after `to`.
  const after = (await bisect(db, lowest.id, highest, (at) => at < earlier, 'last')) ?? 0;
  const before = await bisect(db, Math.max(after, lowest.id), highest, (at) => at > later, 'first');
  return { after, before };
}

interface Probe {
  readonly id: number;
  readonly created_at: number;
}

async function lowestDelivery(db: Executor): Promise<Probe | undefined> {
  // By a search of the primary key (`order by id limit 1` without a bound shows in SQLite's
  // plan as a scan, which it stops at the first row).
  const row = await db
    .selectFrom('deliveries')
    .select(['id', 'created_at'])
    .where('id', '=', (eb) => eb.selectFrom('deliveries').select((e) => e.fn.min('id').as('id')))
    .executeTakeFirst();
  return row && { id: Number(row.id), created_at: Number(row.created_at) };
}

async function highestId(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((e) => e.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/** The delivery numbered `id` or the next one after it: a primary-key seek. */
async function atOrAfter(db: Executor, id: number): Promise<Probe | undefined> {
  const row = await db
    .selectFrom('deliveries')
    .select(['id', 'created_at'])
    .where('id', '>=', id)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row && { id: Number(row.id), created_at: Number(row.created_at) };
}

/**
 * Between ids `low` and `high`, a delivery whose creation date passes `test`: the highest the
 * bisection meets (`last`, for a test true of the early ones) or the lowest (`first`, for a
 * test true of the late ones); undefined if it meets none. About log2(high - low) seeks.
 */
async function bisect(
  db: Executor,
  low: number,
  high: number,
  test: (createdAt: number) => boolean,
  want: 'first' | 'last',
): Promise<number | undefined> {
  let found: number | undefined;
  let lo = low;
  let hi = high;
  while (lo <= hi) {
    const middle = Math.floor((lo + hi) / 2);
    const probe = await atOrAfter(db, middle);
    if (probe === undefined || probe.id > hi) {
      hi = middle - 1; // nothing is numbered from the middle to `hi`
      continue;
    }
    const passes = test(probe.created_at);
    if (passes) found = probe.id;
    // Above the probe for a later one that passes (`last`) or where they start to (`first`).
    if (passes === (want === 'last')) lo = probe.id + 1;
    else hi = middle - 1;
  }
  return found;
}
