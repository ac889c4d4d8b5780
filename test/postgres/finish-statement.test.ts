import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openPostgres } from '../../src/db/database.js';
import { IntegrationHealthStore } from '../../src/features/delivery/integration-health-store.js';
import type { FinishedSend } from '../../src/features/delivery/queue/delivery-queue.js';
import { SendFinisher } from '../../src/features/delivery/queue/finish-sends.js';
import { PostgresDeliveryQueue } from '../../src/features/delivery/queue/postgres-delivery-queue.js';
import { finishPlainSuccesses, isPlainSuccess } from '../../src/features/delivery/queue/postgres-finish.js';
import { insertIntegrationRow } from '../helpers/integration-rows.js';
import { freshPostgresDatabase } from '../helpers/test-switchboard.js';

/**
 * PostgreSQL records the sends that simply went through in one statement (postgres-finish.ts).
 * It must write exactly what the general path (`SendFinisher`, a transaction of three
 * statements per send) writes: the same batch is finished both ways, on two copies of the same
 * queue, and every row they leave is compared.
 */

let handle: DatabaseHandle;
let drop: () => Promise<void>;
const health = new IntegrationHealthStore();
const queue = new PostgresDeliveryQueue(health);
const general = new SendFinisher(health);

beforeAll(async () => {
  let url: string;
  ({ url, drop } = await freshPostgresDatabase());
  handle = await openPostgres(url);
  await migrateToLatest(handle.db);
});
afterAll(async () => {
  await handle?.close();
  await drop?.();
});
beforeEach(async () => {
  await handle.db.deleteFrom('delivery_attempts').execute();
  await handle.db.deleteFrom('deliveries').execute();
  await handle.db.deleteFrom('integration_status').execute();
  await handle.db.deleteFrom('integrations').execute();
});

const failureThreshold = 3;
const failureWindowMs = 60_000;

function send(deliveryId: number, integrationId: string, at: number, ok = true): FinishedSend {
  return {
    attempt: {
      deliveryId,
      integrationId,
      attempt: 2,
      at,
      outcome: ok ? 'delivered' : 'retry',
      statusCode: ok ? 204 : 503,
      latencyMs: 3.4,
      errorClass: undefined,
      responseExcerpt: ok ? undefined : 'down',
    },
    update: ok ? { status: 'done' } : { status: 'pending', runAt: at + 1_000, lastError: '503 down' },
    health: { success: ok, at, statusCode: ok ? 204 : 503, failureThreshold, failureWindowMs },
  };
}

/** Integrations `${prefix}a`, `${prefix}b` (b already failing) and `${prefix}gone`: three changes for each, claimed. */
async function queueFor(prefix: string): Promise<number[]> {
  for (const id of ['a', 'b', 'gone']) await insertIntegrationRow(handle.db, `${prefix}${id}`);
  await health.record(handle.db, `${prefix}b`, send(0, `${prefix}b`, 5, false).health!);
  for (let i = 0; i < 3; i++) {
    await queue.enqueue(handle.db, {
      integrationIds: ['a', 'b', 'gone'].map((id) => `${prefix}${id}`),
      auditId: `e${i}`,
      kind: 'flag',
      at: 0,
    });
  }
  await handle.db.updateTable('deliveries').set({ locked_by: 'w', locked_at: 1, attempts: 1 }).execute();
  const rows = await handle.db
    .selectFrom('deliveries')
    .select('id')
    .where('integration_id', 'like', `${prefix}%`)
    .orderBy('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

/** The batch: a's and b's rows delivered, one of a's failed, and gone's integration deleted first. */
function batch(prefix: string, ids: readonly number[]): FinishedSend[] {
  const [a1, b1, g1, a2, b2, _g2, a3] = ids as number[];
  return [
    send(a1!, `${prefix}a`, 100),
    send(b1!, `${prefix}b`, 101),
    send(g1!, `${prefix}gone`, 102),
    send(a2!, `${prefix}a`, 103),
    send(b2!, `${prefix}b`, 104),
    send(a3!, `${prefix}a`, 105, false),
  ];
}

/** Every row the finishes left for integrations starting with `prefix`, ids made relative. */
async function state(prefix: string, ids: readonly number[]) {
  const row = (id: unknown) => ids.indexOf(Number(id));
  const deliveries = await handle.db
    .selectFrom('deliveries')
    .selectAll()
    .where('integration_id', 'like', `${prefix}%`)
    .orderBy('id')
    .execute();
  const attempts = await handle.db
    .selectFrom('delivery_attempts')
    .selectAll()
    .where(
      'delivery_id',
      'in',
      ids.map((id) => id),
    )
    .orderBy('delivery_id')
    .execute();
  const status = await handle.db
    .selectFrom('integration_status')
    .selectAll()
    .where('integration_id', 'like', `${prefix}%`)
    .orderBy('integration_id')
    .execute();
  return {
    deliveries: deliveries.map(({ id, integration_id, ...rest }) => ({
      row: row(id),
      integration: integration_id.slice(prefix.length),
      ...rest,
    })),
    attempts: attempts.map(({ id: _id, delivery_id, ...rest }) => ({ row: row(delivery_id), ...rest })),
    status: status.map(({ integration_id, ...rest }) => ({
      integration: integration_id.slice(prefix.length),
      ...rest,
    })),
  };
}

describe('finishing sends on PostgreSQL', () => {
  it('records plain successes in one statement exactly as the general path does, the rest the general way', async () => {
    const oneIds = await queueFor('one-');
    const generalIds = await queueFor('gen-');
    await queue.forget(handle.db, 'one-gone');
    await queue.forget(handle.db, 'gen-gone');
    await handle.db.deleteFrom('integrations').where('id', 'in', ['one-gone', 'gen-gone']).execute();

    // The one statement called itself, so a fault in it cannot hide behind the general path
    // that `finishMany` falls back to.
    const sends = batch('one-', oneIds);
    expect(await finishPlainSuccesses(handle.db, sends.filter(isPlainSuccess))).toBe(4);
    const rest = await general.finishMany(
      handle.db,
      sends.filter((s) => !isPlainSuccess(s)),
    );
    expect(rest.map((r) => r.status)).toEqual(['fulfilled']);
    const generalResults = await general.finishMany(handle.db, batch('gen-', generalIds));
    expect(generalResults.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));

    const one = await state('one-', oneIds);
    expect(one).toEqual(await state('gen-', generalIds));
    // And what both wrote is right, not only the same.
    expect(one.deliveries.map((d) => [d.row, d.integration, d.status, d.attempts, d.locked_by])).toEqual([
      [0, 'a', 'done', 2, null],
      [1, 'b', 'done', 2, null],
      [3, 'a', 'done', 2, null],
      [4, 'b', 'done', 2, null],
      [6, 'a', 'pending', 2, null],
      [7, 'b', 'pending', 1, 'w'],
    ]);
    expect(one.attempts.map((a) => [a.row, a.outcome, a.status_code, a.latency_ms])).toEqual([
      [0, 'delivered', 204, 3],
      [1, 'delivered', 204, 3],
      [3, 'delivered', 204, 3],
      [4, 'delivered', 204, 3],
      [6, 'retry', 503, 3],
    ]);
    expect(one.status.map((s) => [s.integration, s.success_count, s.consecutive_failures])).toEqual([
      ['a', 2, 1],
      ['b', 2, 0],
    ]);
  });

  it('finishMany takes that way for a mixed batch; a repeat of what it recorded changes nothing', async () => {
    const ids = await queueFor('rep-');
    const sends = batch('rep-', ids);
    const results = await queue.finishMany(handle.db, sends);
    expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
    const first = await state('rep-', ids);
    expect(first.attempts).toHaveLength(6);
    // Recorded again (a retried flush): rows no longer pending are left alone, nothing doubles.
    expect(await finishPlainSuccesses(handle.db, sends.filter(isPlainSuccess))).toBe(0);
    expect(await state('rep-', ids)).toEqual(first);
  });
});
