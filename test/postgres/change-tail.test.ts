import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openPostgres } from '../../src/db/database.js';
import { DocumentStore } from '../../src/db/document-store.js';
import type { Database } from '../../src/db/schema.js';
import { ConflictError } from '../../src/errors/app-errors.js';
import { authorizeChange } from '../../src/features/access/authorize.js';
import { AuditStore } from '../../src/features/audit/audit-store.js';
import { ChangeLog, type RecordChange } from '../../src/features/audit/change-log.js';
import { IntegrationHealthStore } from '../../src/features/delivery/integration-health-store.js';
import { PostgresDeliveryQueue } from '../../src/features/delivery/queue/postgres-delivery-queue.js';
import { projectCreated } from '../helpers/change-fixtures.js';
import { insertIntegrationRow } from '../helpers/integration-rows.js';
import { freshPostgresDatabase } from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';

let handle: DatabaseHandle;
let url: string;
let drop: () => Promise<void>;
let changes: ChangeLog;
/** What the fan-out saw of its own rows while the use case ran (ids of `deliveries`). */
let seenInside: number[][];
/** Notifications heard on the test channel, in order. */
const heard: string[] = [];
let stopListening: () => Promise<void>;

const integrations = ['i3', 'i1', 'i2'];

beforeAll(async () => {
  ({ url, drop } = await freshPostgresDatabase());
  handle = await openPostgres(url);
  await migrateToLatest(handle.db);
  for (const id of integrations) await insertIntegrationRow(handle.db, id);
  const notifier = handle.notifier;
  if (notifier === undefined || handle.tail === undefined)
    throw new Error('PostgreSQL has a notifier and a tail');
  stopListening = await notifier.listen('tail_test', (payload) => heard.push(payload));
  const queue = new PostgresDeliveryQueue(new IntegrationHealthStore(), handle.tail);
  changes = new ChangeLog({
    db: handle.db,
    audit: new AuditStore(),
    baseUrl: () => 'http://sb.test',
    clock: () => 1_000,
    tail: handle.tail,
    authorize: authorizeChange,
  });
  changes.addFanOut(async (tx, record) => {
    await queue.enqueue(tx, {
      integrationIds: integrations,
      auditId: record.entry._id,
      kind: 'project',
      at: 5,
    });
    await notifier.notify(tx, 'tail_test', `first ${record.entry.name}`);
    const rows = await tx.selectFrom('deliveries').select('id').execute();
    seenInside.push(rows.map((r) => Number(r.id)));
  });
  changes.addFanOut(async (tx, record) => notifier.notify(tx, 'tail_test', `second ${record.entry.name}`));
});
afterAll(async () => {
  await stopListening?.();
  await handle?.close();
  await drop?.();
});
beforeEach(async () => {
  await handle.db.deleteFrom('deliveries').execute();
  await handle.db.deleteFrom('audit_entries').execute();
  heard.length = 0;
  seenInside = [];
});

const deliveries = () =>
  handle.db
    .selectFrom('deliveries as d')
    .innerJoin('audit_entries as a', 'a.id', 'd.audit_id')
    .select(['d.id', 'd.integration_id', 'a.seq'])
    .orderBy('d.id')
    .execute();

describe('a change’s last statement on PostgreSQL (TransactionTail)', () => {
  it('holds delivery rows and NOTIFYs until the use case ends, then writes them in order and notifies on commit', async () => {
    await changes.transact(async (_tx: Transaction<Database>, record: RecordChange) => {
      await record(projectCreated('a'));
      await record(projectCreated('b'));
    });
    // Held while the use case ran: its own rows were not in the table yet.
    expect(seenInside).toEqual([[], []]);
    const rows = await deliveries();
    // Each change's rows in the order of its integrations, the first change's before the second's.
    expect(rows.map((r) => r.integration_id)).toEqual([...integrations, ...integrations]);
    const seqs = rows.map((r) => Number(r.seq));
    expect(seqs.slice(0, 3).every((s) => s === seqs[0])).toBe(true);
    expect(seqs.slice(3).every((s) => s > (seqs[0] ?? 0))).toBe(true);
    await until('4 notices heard', () => heard.length === 4);
    expect(heard).toEqual(['first a', 'second a', 'first b', 'second b']);
  });

  it('writes nothing and notifies nobody when the use case fails after recording', async () => {
    await expect(
      changes.transact(async (_tx, record) => {
        await record(projectCreated('c'));
        throw new Error('the use case fails after its change was recorded');
      }),
    ).rejects.toThrow('fails after');
    // A later change's notifications arrive: had the failed one's been sent, they would be first.
    await changes.transact(async (_tx, record) => record(projectCreated('d')));
    await until('2 notices heard', () => heard.length === 2);
    expect(heard).toEqual(['first d', 'second d']);
    expect((await deliveries()).length).toBe(3);
    const audit = await handle.db.selectFrom('audit_entries').select('id').execute();
    expect(audit.length).toBe(1); // d: c rolled back with its rows
  });

  it('sends a held compare-and-set with the change; a stale one fails it with a 409 and writes nothing', async () => {
    const projects = new DocumentStore<{ name: string; tags: string[] }>('projects', 'Project', handle.tail);
    const first = await projects.insert(handle.db, {
      id: 'p-held',
      scope: '',
      key: 'held',
      doc: { name: 'Held', tags: [] },
      createdAt: 0,
    });
    const second = await changes.transact(async (tx, record) => {
      const updated = await projects.updateAtEnd(tx, first, { name: 'Held twice', tags: [] });
      // Held: the use case's own reads do not see it yet (so only a use case that reads
      // nothing it wrote may hold its write).
      expect((await projects.getById(tx, 'p-held'))?.doc.name).toBe('Held');
      await record(projectCreated('e'));
      return updated;
    });
    expect(await projects.getById(handle.db, 'p-held')).toMatchObject({
      version: 2,
      doc: { name: 'Held twice' },
    });
    await until('2 notices heard', () => heard.length === 2);

    // `first` is stale now: the change fails at its last statement, and takes its entry, its
    // delivery rows and its notices with it.
    await expect(
      changes.transact(async (tx, record) => {
        await projects.updateAtEnd(tx, first, { name: 'Lost', tags: [] });
        await record(projectCreated('f'));
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    await changes.transact(async (tx, record) => {
      await projects.updateAtEnd(tx, second, { name: 'Held thrice', tags: [] });
      await record(projectCreated('g'));
    });
    await until('4 notices heard', () => heard.length === 4);
    expect(heard).toEqual(['first e', 'second e', 'first g', 'second g']);
    const names = await handle.db.selectFrom('audit_entries').select('entry').execute();
    expect(names.map((r) => JSON.parse(r.entry).name).sort()).toEqual(['e', 'g']);
    expect((await deliveries()).length).toBe(6);
    expect(await projects.getById(handle.db, 'p-held')).toMatchObject({
      version: 3,
      doc: { name: 'Held thrice' },
    });
  });

  it('runs writes and notices at once outside a change', async () => {
    await handle.tail?.notify(handle.db, 'tail_test', 'on its own');
    await until('the notice heard', () => heard.length === 1);
    expect(heard).toEqual(['on its own']);
  });
});

describe('named prepared statements on PostgreSQL', () => {
  it('parses a parameterized statement once per connection and reuses it', async () => {
    const names = await handle.db.transaction().execute(async (tx) => {
      for (let i = 0; i < 3; i++)
        await tx.selectFrom('deliveries').select('id').where('id', '=', i).execute();
      const { rows } = await sql<{ name: string; statement: string }>`
        select name, statement from pg_prepared_statements
        where statement like '%from "deliveries" where "id" = $1'`.execute(tx);
      return rows.map((r) => r.name);
    });
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^sb\d+$/);
  });
});

describe('listening to other processes only (PostgreSQL)', () => {
  it('passes on what other connections notify, not what this handle’s own pool sent', async () => {
    const othersHeard: string[] = [];
    const stop = await handle.notifier?.listen('others_test', (p) => othersHeard.push(p), undefined, {
      othersOnly: true,
    });
    try {
      // Several at once, so the pool opens more than one connection: none of them is heard.
      await Promise.all(
        ['own 1', 'own 2', 'own 3'].map((p) => sql`select pg_notify('others_test', ${p})`.execute(handle.db)),
      );
      const other = new pg.Client(url);
      await other.connect();
      await other.query(`select pg_notify('others_test', 'from another process')`);
      await other.end();
      await until('the other process heard', () => othersHeard.length >= 1);
      expect(othersHeard).toEqual(['from another process']);
    } finally {
      await stop?.();
    }
  });
});
