import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openPostgres } from '../../src/db/database.js';
import { StaleRead } from '../../src/db/transaction-tail.js';
import { authorizeChange } from '../../src/features/access/authorize.js';
import { AuditStore } from '../../src/features/audit/audit-store.js';
import { ChangeLog } from '../../src/features/audit/change-log.js';
import { DeliveryFanOut } from '../../src/features/delivery/delivery-fan-out.js';
import { IntegrationHealthStore } from '../../src/features/delivery/integration-health-store.js';
import { PostgresDeliveryQueue } from '../../src/features/delivery/queue/postgres-delivery-queue.js';
import { IntegrationDirectory } from '../../src/features/integrations/integration-directory.js';
import { projectCreated } from '../helpers/change-fixtures.js';
import { freshPostgresDatabase } from '../helpers/test-switchboard.js';

/**
 * On PostgreSQL a change does not read the integrations' generation stamp: the directory matches
 * from memory and the change's last statement checks the stamp (integration-directory.ts). What
 * must hold: a change made after another process changed the integrations reaches them, and one
 * whose check fails writes nothing and runs again.
 */

let handle: DatabaseHandle;
let drop: () => Promise<void>;
let url: string;
let changes: ChangeLog;
/** Every SQL text any pg connection of this file sent, in order. */
const sent: string[] = [];
/** Runs inside each change before its last statement (the "other process" of a test). */
let meanwhile: (() => Promise<void>) | undefined;

const originalQuery = pg.Client.prototype.query;

/** An integration as another process would create it: the row, and a new generation stamp. */
async function createIntegration(id: string): Promise<void> {
  const other = new pg.Client(url);
  await other.connect();
  try {
    await other.query('begin');
    await other.query(
      `insert into integrations (id, scope, key, doc, version, created_at)
       values ($1, 'webhook', $1, '{"on":true,"statements":[]}', 1, 0)`,
      [id],
    );
    await touchGeneration(other);
    await other.query('commit');
  } finally {
    await other.end();
  }
}

async function touchGeneration(client: pg.Client): Promise<void> {
  await client.query(
    'update integration_generation set generation = floor(random() * 1e12)::bigint where id = 1',
  );
}

beforeAll(async () => {
  ({ url, drop } = await freshPostgresDatabase());
  (pg.Client.prototype as unknown as { query: unknown }).query = function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    const [text] = args;
    sent.push(typeof text === 'string' ? text : ((text as { text?: string })?.text ?? ''));
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  };
  handle = await openPostgres(url);
  await migrateToLatest(handle.db);
  if (handle.tail === undefined) throw new Error('PostgreSQL has a tail');
  changes = new ChangeLog({
    db: handle.db,
    audit: new AuditStore(handle.tail),
    baseUrl: () => 'http://sb.test',
    clock: () => 1_000,
    tail: handle.tail,
    authorize: authorizeChange,
  });
  new DeliveryFanOut({
    integrations: new IntegrationDirectory(handle.tail),
    queue: new PostgresDeliveryQueue(new IntegrationHealthStore(), handle.tail),
    notifier: handle.notifier,
    worker: undefined,
  }).attach(changes);
  // After the directory has matched: what changes here is only seen by the last statement.
  changes.addFanOut(async () => meanwhile?.());
});
afterAll(async () => {
  pg.Client.prototype.query = originalQuery;
  await handle?.close();
  await drop?.();
});
beforeEach(() => {
  meanwhile = undefined;
});

const reached = async (name: string) =>
  (
    await handle.db
      .selectFrom('deliveries as d')
      .innerJoin('audit_entries as a', 'a.id', 'd.audit_id')
      .select('d.integration_id')
      .where(sql<string>`a.entry::jsonb ->> 'name'`, '=', name)
      .orderBy('d.integration_id')
      .execute()
  ).map((r) => r.integration_id);

const entriesNamed = async (name: string) =>
  Number(
    (
      await handle.db
        .selectFrom('audit_entries')
        .select((eb) => eb.fn.countAll().as('n'))
        .where(sql<string>`entry::jsonb ->> 'name'`, '=', name)
        .executeTakeFirstOrThrow()
    ).n,
  );

const record = (name: string) => changes.transact((_tx, recordChange) => recordChange(projectCreated(name)));

describe('the integrations’ generation, checked in a change’s last statement (PostgreSQL)', () => {
  it('reads no stamp once the directory is loaded: the last statement checks it', async () => {
    await createIntegration('a');
    await record('p-load');
    sent.length = 0;
    await record('p-warm');
    const mentions = sent.filter((text) => text.includes('integration_generation'));
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toMatch(/^\/\* last statement \*\//);
    expect(await reached('p-warm')).toEqual(['a']);
  });

  it('reaches an integration another process created meanwhile, with one entry per change', async () => {
    await record('p-before');
    await createIntegration('b');
    await record('p-after');
    expect(await reached('p-after')).toEqual(['a', 'b']);
    expect(await entriesNamed('p-after')).toBe(1);
  });

  it('writes nothing of a change whose stamp moved under it, and runs it again', async () => {
    await record('p-warm-2');
    let runs = 0;
    meanwhile = async () => {
      runs++;
      if (runs === 1) await createIntegration('c');
    };
    await record('p-raced');
    expect(runs).toBe(2);
    expect(await entriesNamed('p-raced')).toBe(1);
    expect(await reached('p-raced')).toEqual(['a', 'b', 'c']);
  });

  it('takes the stamp a change wrote itself (an integration edited and recorded together)', async () => {
    await record('p-warm-own');
    let runs = 0;
    await changes.transact(async (tx, recordChange) => {
      runs++;
      await tx
        .insertInto('integrations')
        .values({
          id: 'e',
          scope: 'webhook',
          key: 'e',
          doc: '{"on":true,"statements":[]}',
          version: 1,
          created_at: 0,
        })
        .execute();
      await IntegrationDirectory.touch(tx);
      return recordChange(projectCreated('p-own'));
    });
    expect(runs).toBe(1);
    expect(await reached('p-own')).toEqual(['a', 'b', 'c', 'e']);
    await record('p-after-own');
    expect(await reached('p-after-own')).toEqual(['a', 'b', 'c', 'e']);
  });

  it('checks each of several changes made in one transaction', async () => {
    await changes.transact(async (_tx, recordChange) => {
      await recordChange(projectCreated('p-one-of-two'));
      return recordChange(projectCreated('p-two-of-two'));
    });
    expect(await reached('p-one-of-two')).toEqual(['a', 'b', 'c', 'e']);
    expect(await reached('p-two-of-two')).toEqual(['a', 'b', 'c', 'e']);
  });

  it('gives up after three attempts if the stamp keeps moving, having written nothing', async () => {
    await record('p-warm-3');
    let runs = 0;
    meanwhile = async () => {
      runs++;
      await createIntegration(`d${runs}`);
    };
    await expect(record('p-chased')).rejects.toBeInstanceOf(StaleRead);
    expect(runs).toBe(3);
    expect(await entriesNamed('p-chased')).toBe(0);
    expect(await reached('p-chased')).toEqual([]);
  });
});
