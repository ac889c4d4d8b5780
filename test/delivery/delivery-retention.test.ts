import type { Kysely } from 'kysely';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database, DeliveryStatus } from '../../src/db/schema.js';
import { DeliveryRetention } from '../../src/features/delivery/delivery-retention.js';
import { IntegrationHealthStore } from '../../src/features/delivery/integration-health-store.js';
import { IntegrationHealthView } from '../../src/features/delivery/integration-health-view.js';
import { deliveryQueueFor } from '../../src/features/delivery/queue/delivery-queue-for.js';
import { insertIntegrationRow } from '../helpers/integration-rows.js';
import { openTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { startTestSwitchboard } from '../helpers/test-switchboard.js';

// Runs on SQLite (vitest.config.ts) and on PostgreSQL (vitest.postgres.config.ts).

const day = 24 * 60 * 60 * 1000;
const now = 100 * day;
const daysAgo = (days: number) => now - days * day;

let database: TestDatabase;
let db: Kysely<Database>;
const health = new IntegrationHealthStore();

/** A delivery of integration `x` as the queue leaves it, with `attempts` attempt rows. */
async function delivery(
  db: Kysely<Database>,
  status: DeliveryStatus,
  finishedAt: number | null,
  attempts = 1,
  integrationId = 'x',
): Promise<number> {
  const { id } = await db
    .insertInto('deliveries')
    .values({
      integration_id: integrationId,
      audit_id: `a${Math.random()}`,
      kind: 'flag',
      status,
      attempts,
      run_at: finishedAt ?? daysAgo(90),
      created_at: daysAgo(90),
      finished_at: finishedAt,
      locked_by: null,
      locked_at: null,
      last_error: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let attempt = 1; attempt <= attempts; attempt++)
    await db
      .insertInto('delivery_attempts')
      .values({
        delivery_id: Number(id),
        attempt,
        at: finishedAt ?? daysAgo(90),
        outcome: status === 'done' && attempt === attempts ? 'delivered' : 'retry',
        status_code: 200,
        latency_ms: 1,
        error_class: null,
        response_excerpt: null,
      })
      .execute();
  return Number(id);
}

const remaining = async () =>
  (await db.selectFrom('deliveries').select('id').orderBy('id').execute()).map((r) => Number(r.id));
const attemptsOf = async () =>
  (await db.selectFrom('delivery_attempts').select('delivery_id').orderBy('id').execute()).map((r) =>
    Number(r.delivery_id),
  );

function pruner(days: number, batch = 500, pruned: number[] = []) {
  const queue = deliveryQueueFor(database.handle.capabilities, health);
  return new DeliveryRetention({
    db,
    queue,
    clock: () => now,
    log: pino({ level: 'silent' }),
    days,
    batch,
    pauseMs: 0,
    onPruned: (count) => pruned.push(count),
  });
}

beforeEach(async () => {
  database = await openTestDatabase();
  db = database.handle.db;
  await insertIntegrationRow(db, 'x');
});
afterEach(async () => {
  await database.close();
});

describe('delivery retention', () => {
  it('deletes finished deliveries past retention with their attempts, and nothing pending or newer', async () => {
    const oldDelivered = [
      await delivery(db, 'done', daysAgo(45), 2),
      await delivery(db, 'done', daysAgo(31)),
    ];
    const oldDead = await delivery(db, 'dead', daysAgo(40), 7);
    const oldDropped = await delivery(db, 'dropped', daysAgo(35), 0);
    const kept = [
      await delivery(db, 'dead', daysAgo(10), 7), // dead within retention: still re-sendable
      await delivery(db, 'dropped', daysAgo(29), 0),
      await delivery(db, 'done', daysAgo(1)),
      // Pending however old: created 90 days ago and still retrying, or a dead one re-sent.
      await delivery(db, 'pending', null, 3),
      await delivery(db, 'pending', null, 0),
    ];
    const attemptsKept = (await attemptsOf()).filter((id) => kept.includes(id));

    expect(await pruner(30).pruneNow()).toBe(4);

    expect(await remaining()).toEqual(kept);
    expect(await attemptsOf()).toEqual(attemptsKept);
    for (const gone of [...oldDelivered, oldDead, oldDropped]) expect(await attemptsOf()).not.toContain(gone);
  });

  it('deletes in batches of at most the batch size, oldest first', async () => {
    const old = [];
    for (let i = 0; i < 5; i++) old.push(await delivery(db, 'done', daysAgo(60 - i)));
    const newer = await delivery(db, 'done', daysAgo(2));
    const queue = deliveryQueueFor(database.handle.capabilities, health);

    // One batch: the two that finished first.
    expect(await queue.prune(db, daysAgo(30), 2)).toBe(2);
    expect(await remaining()).toEqual([...old.slice(2), newer]);

    const batches: number[] = [];
    expect(await pruner(30, 2, batches).pruneNow()).toBe(3);
    expect(batches).toEqual([2, 1]);
    expect(await remaining()).toEqual([newer]);
  });

  it('keeps everything with retention off (0 days)', async () => {
    await delivery(db, 'done', daysAgo(3_000));
    const retention = pruner(0);
    retention.start(0);
    expect(await retention.pruneNow()).toBe(0);
    await retention.stop();
    expect(await remaining()).toHaveLength(1);
  });

  it('leaves what the API shows of an integration’s health as it was', async () => {
    await health.record(db, 'x', { success: true, at: daysAgo(45), failureThreshold: 5, failureWindowMs: 0 });
    await delivery(db, 'done', daysAgo(45));
    await delivery(db, 'pending', null, 1);
    const view = new IntegrationHealthView(deliveryQueueFor(database.handle.capabilities, health));
    const before = await view.statusOf(db, 'x');
    expect(before).toMatchObject({ successCount: 1, pending: 1 });

    expect(await pruner(30).pruneNow()).toBe(1);
    expect(await view.statusOf(db, 'x')).toEqual(before);
  });
});

describe('delivery retention in a running Switchboard', () => {
  it('is shown in /metrics: days kept, deliveries pruned, the last pass', async () => {
    const metricsToken = 'metrics-scraper-token-0123456789';
    const t = await startTestSwitchboard({
      SWITCHBOARD_DELIVERY_RETENTION_DAYS: '7',
      SWITCHBOARD_METRICS_TOKEN: metricsToken,
    });
    try {
      const sdb = t.switchboard.database.db;
      await insertIntegrationRow(sdb, 'x');
      const longAgo = Date.now() - 8 * day;
      for (let i = 0; i < 3; i++) await delivery(sdb, 'done', longAgo);
      await delivery(sdb, 'done', Date.now());
      const before = Date.now();
      expect(await t.switchboard.retention?.deliveries.pruneNow()).toBe(3);

      const res = await t.api('GET', '/metrics', undefined, { authorization: `Bearer ${metricsToken}` });
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/^switchboard_delivery_retention_days 7$/m);
      expect(res.body).toMatch(/^switchboard_delivery_pruned_total 3$/m);
      const last = Number(/^switchboard_delivery_last_prune_timestamp_seconds (\S+)$/m.exec(res.body)?.[1]);
      expect(last * 1000).toBeGreaterThanOrEqual(before - 1);
      expect(await t.switchboard.database.db.selectFrom('deliveries').select('id').execute()).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
