import type { Kysely, KyselyPlugin } from 'kysely';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database, DeliveryStatus } from '../../src/db/schema.js';
import { AuditRetention } from '../../src/features/audit/audit-retention.js';
import { AuditStore } from '../../src/features/audit/audit-store.js';
import { createdOrderMarginMs } from '../../src/features/audit/named-entries.js';
import { insertIntegrationRow } from '../helpers/integration-rows.js';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

// Runs on SQLite (vitest.config.ts) and on PostgreSQL (vitest.postgres.config.ts).

const day = 24 * 60 * 60 * 1000;
const metricsToken = 'metrics-scraper-token-0123456789';
let now = Date.UTC(2026, 0, 1);
let t: TestSwitchboard;
let db: Kysely<Database>;

async function start(env: Record<string, string> = {}): Promise<void> {
  now = Date.UTC(2026, 0, 1);
  t = await startTestSwitchboard({ SWITCHBOARD_METRICS_TOKEN: metricsToken, ...env }, { clock: () => now });
  db = t.switchboard.database.db;
  await insertIntegrationRow(db, 'x');
  expect((await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' })).status).toBe(201);
  expect((await t.api('POST', '/api/v2/flags/default', { key: 'checkout', name: 'Checkout' })).status).toBe(
    201,
  );
}

/** Turns the flag on or off in production; the id of the change's audit entry. */
async function toggle(on: boolean): Promise<string> {
  const res = await t.api('PATCH', '/api/v2/flags/default/checkout', [
    { op: 'replace', path: '/environments/production/on', value: on },
  ]);
  expect(res.status).toBe(200);
  const newest = await t.api('GET', '/api/v2/auditlog?limit=1');
  return newest.body.items[0]._id;
}

/**
 * A delivery naming `auditId`, as the queue leaves it: created with the entry, at its date
 * (unless `createdAt` says otherwise, for an entry not in the log).
 */
async function deliveryOf(
  auditId: string,
  status: DeliveryStatus,
  finishedAt: number | null,
  createdAt?: number,
): Promise<void> {
  const date =
    createdAt ??
    (await db.selectFrom('audit_entries').select('date').where('id', '=', auditId).executeTakeFirstOrThrow())
      .date;
  await db
    .insertInto('deliveries')
    .values({
      integration_id: 'x',
      audit_id: auditId,
      kind: 'flag',
      status,
      attempts: 1,
      run_at: Number(date),
      created_at: Number(date),
      finished_at: finishedAt,
      locked_by: null,
      locked_at: null,
      last_error: null,
    })
    .execute();
}

const entryIds = async () =>
  (await db.selectFrom('audit_entries').select('id').orderBy('seq').execute()).map((r) => r.id);

async function metric(name: string): Promise<number> {
  const res = await t.api('GET', '/metrics', undefined, { authorization: `Bearer ${metricsToken}` });
  expect(res.status).toBe(200);
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(res.body)?.[1]);
}

afterEach(async () => {
  await t.close();
});

describe('audit log retention (SWITCHBOARD_AUDIT_RETENTION_DAYS)', () => {
  beforeEach(async () => {
    await start({ SWITCHBOARD_AUDIT_RETENTION_DAYS: '30' });
  });

  it('deletes entries past retention that no kept delivery names, and keeps the rest', async () => {
    const setUp = await entryIds(); // owner, admin token, project, flag: 2026-01-01
    const old = [await toggle(true), await toggle(false), await toggle(true)];
    const pending = await toggle(false);
    const dead = await toggle(true);
    const delivered = await toggle(false);
    await deliveryOf(pending, 'pending', null);
    await deliveryOf(dead, 'dead', now + 30 * day);
    await deliveryOf(delivered, 'done', now + 20 * day);
    now += 40 * day;
    const recent = await toggle(true); // 2026-02-10, within 30 days at both passes below

    now += 5 * day;
    expect(await t.switchboard.retention?.audit.pruneNow()).toBe(setUp.length + old.length);

    expect(await entryIds()).toEqual([pending, dead, delivered, recent]);
    for (const id of [...setUp, ...old])
      expect((await t.api('GET', `/api/v2/auditlog/${id}`)).status).toBe(404);
    const listed = await t.api('GET', '/api/v2/auditlog?limit=20');
    expect(listed.body.items.map((e: { _id: string }) => e._id)).toEqual([recent, delivered, dead, pending]);
    expect(await metric('switchboard_audit_retention_days')).toBe(30);
    expect(await metric('switchboard_audit_pruned_total')).toBe(setUp.length + old.length);
    expect(await metric('switchboard_audit_last_prune_timestamp_seconds')).toBe(now / 1000);

    // The delivered one's own retention (30 days after it finished) ends first; its entry goes
    // at the audit pruner's next pass. The dead and pending ones hold theirs.
    now += 10 * day;
    expect(await t.switchboard.retention?.deliveries.pruneNow()).toBe(1);
    expect(await t.switchboard.retention?.audit.pruneNow()).toBe(1);
    expect(await entryIds()).toEqual([pending, dead, recent]);
    expect(await metric('switchboard_audit_pruned_total')).toBe(setUp.length + old.length + 1);
  });

  it('goes past the entries it keeps batch by batch, oldest first', async () => {
    const kept = [await toggle(true), await toggle(false), await toggle(true)];
    for (const id of kept) await deliveryOf(id, 'dead', now);
    const gone = [await toggle(false), await toggle(true), await toggle(false)];
    const setUp = (await entryIds()).filter((id) => !kept.includes(id) && !gone.includes(id));
    now += 31 * day;

    const batches: number[] = [];
    const retention = new AuditRetention({
      db,
      audit: new AuditStore(),
      clock: () => now,
      log: pino({ level: 'silent' }),
      days: 30,
      batch: 3,
      pauseMs: 0,
      onPruned: (count) => batches.push(count),
    });
    // Windows of three: the four set-up entries and the first kept one; two kept; the last kept
    // and two; the last one. Kept entries never hold the next window back.
    expect(await retention.pruneNow()).toBe(setUp.length + gone.length);
    expect(batches).toEqual([3, 1, 2, 1]);
    expect(await entryIds()).toEqual(kept);
  });
});

describe('audit log retention, beside the delivery log', () => {
  beforeEach(async () => {
    await start({ SWITCHBOARD_AUDIT_RETENTION_DAYS: '30' });
  });

  /** The reads of the entries `deliveries` name that a prune makes, counted. */
  function watched(): { db: Kysely<Database>; scans: () => number } {
    let scans = 0;
    const plugin: KyselyPlugin = {
      transformQuery: ({ node }) => {
        const text = JSON.stringify(node);
        if (text.includes('"deliveries"') && text.includes('"audit_id"')) scans++;
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    return { db: db.withPlugin(plugin), scans: () => scans };
  }

  it('reads no delivery for entries a day older than every delivery, and reads them within that day', async () => {
    const store = new AuditStore();
    const start = now;
    const setUp = (await entryIds()).length;
    const oldest = await toggle(true);
    now = start + createdOrderMarginMs * 1.5;
    const outOfOrder = await toggle(false);
    now = start + createdOrderMarginMs * 2;
    const later = await toggle(true);
    // The later change's delivery is numbered first: it committed first, with a date half a
    // margin after the other's (clocks of two processes, or a long transaction).
    await deliveryOf(later, 'dead', now);
    await deliveryOf(outOfOrder, 'dead', now);
    const watch = watched();

    // Entries a whole margin before the lowest-numbered delivery: nothing to read.
    const early = await store.prune(watch.db, start + createdOrderMarginMs / 2, 500);
    expect(early.deleted).toBe(setUp + 1);
    expect(watch.scans()).toBe(0);
    expect(await entryIds()).not.toContain(oldest);

    // Within the margin: the deliveries of the window's dates are read, and the one named stays.
    const within = await store.prune(watch.db, start + createdOrderMarginMs * 1.75, 500);
    expect(within.deleted).toBe(0);
    expect(watch.scans()).toBe(1);
    expect(await entryIds()).toEqual([outOfOrder, later]);
  });

  it('finds the deliveries of the window among days of others, numbered out of order within the margin', async () => {
    const start = now;
    const at = (days: number) => start + days * day;
    const filler = (days: number) => deliveryOf(`other-${days}`, 'done', at(days), at(days));
    now = at(10);
    const first = await toggle(true);
    now = at(10.2);
    const second = await toggle(false);
    now = at(10.4);
    const unnamed = await toggle(true);
    // In the order they are numbered: the first entry's delivery before nine created up to 0.9
    // day earlier, the second's after three created up to 0.9 day later, both within the margin
    // (a search without it would take one of them for a bound of the window and miss the entry).
    await filler(8);
    await deliveryOf(first, 'dead', at(10));
    for (let d = 9.1; d < 9.95; d += 0.1) await filler(Math.round(d * 10) / 10);
    for (const d of [10.95, 11, 11.1]) await filler(d);
    await deliveryOf(second, 'dead', at(10.2));
    for (let d = 11; d <= 20; d++) await filler(d);
    const watch = watched();

    // The window: the three entries (the set-up's, dated at the start, are before the cursor).
    const batch = await new AuditStore().prune(watch.db, at(10.5), 500, { date: at(9), seq: 0 });
    expect(batch.deleted).toBe(1);
    expect(watch.scans()).toBe(1);
    const left = await entryIds();
    expect(left).toEqual(expect.arrayContaining([first, second]));
    expect(left).not.toContain(unnamed);
  });
});

describe('audit log retention, off by default', () => {
  beforeEach(async () => {
    await start();
  });

  it('keeps every entry however old', async () => {
    await toggle(true);
    const before = await entryIds();
    now += 3_000 * day;
    expect(await t.switchboard.retention?.audit.pruneNow()).toBe(0);
    expect(await entryIds()).toEqual(before);
    expect(await metric('switchboard_audit_retention_days')).toBe(0);
    expect(await metric('switchboard_audit_pruned_total')).toBe(0);
  });
});
