import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, migrateToLatest, openPostgres } from '../../src/db/database.js';
import { begunProbe, deferBegin, lastStatementMark } from '../../src/db/deferred-begin.js';
import { insertIntegrationRow } from '../helpers/integration-rows.js';
import { freshPostgresDatabase } from '../helpers/test-switchboard.js';

/**
 * A transaction's `begin` is held until a statement needs it (db/deferred-begin.ts). What must
 * not change: a transaction's writes, locks and notices are its own, committed together or not
 * at all. Each test records what really reached PostgreSQL on one real connection.
 */

let url: string;
let drop: () => Promise<void>;
let handle: DatabaseHandle;
let client: pg.Client;
let other: pg.Client;
/** The texts the connection sent to PostgreSQL, in order. */
let sent: string[];

beforeAll(async () => {
  ({ url, drop } = await freshPostgresDatabase());
  handle = await openPostgres(url);
  await migrateToLatest(handle.db);
  await insertIntegrationRow(handle.db, 'i1');
});
afterAll(async () => {
  await handle?.close();
  await drop?.();
});
beforeEach(async () => {
  await handle.db.deleteFrom('deliveries').execute();
  // Pipelined, as the pool's connections are (db/database.ts).
  client = new pg.Client({ connectionString: url, pipeline: true });
  other = new pg.Client(url);
  await Promise.all([client.connect(), other.connect()]);
  sent = [];
  const query = client.query.bind(client) as (text: unknown, values?: unknown) => unknown;
  (client as unknown as { query: unknown }).query = (text: unknown, values?: unknown) => {
    if (typeof text === 'string') sent.push(text);
    return query(text, values);
  };
  deferBegin(client as unknown as Parameters<typeof deferBegin>[0]);
});
afterEach(async () => {
  await Promise.all([client.end(), other.end()]);
});

const insert = `insert into deliveries (integration_id, audit_id, kind, status, run_at, created_at)
  values ('i1', 'a1', 'flag', 'pending', 0, 0)`;
const rowsSeenByOthers = async () =>
  Number((await other.query('select count(*) from deliveries')).rows[0].count);

describe('a transaction’s begin, held until needed (PostgreSQL)', () => {
  it('sends neither begin nor commit when the only write is the marked last statement, which commits', async () => {
    await client.query('begin');
    await client.query('select 1 from integrations');
    await client.query(`${lastStatementMark} ${insert}`);
    await client.query('commit');
    expect(sent).toEqual(['select 1 from integrations', `${lastStatementMark} ${insert}`]);
    expect(await rowsSeenByOthers()).toBe(1);
  });

  it('begins right before the first write, so a rollback undoes it', async () => {
    await client.query('begin');
    await client.query('select 1 from integrations');
    await client.query(insert);
    expect(await rowsSeenByOthers()).toBe(0);
    await client.query('rollback');
    expect(sent).toEqual(['select 1 from integrations', 'begin', insert, 'rollback']);
    expect(await rowsSeenByOthers()).toBe(0);
  });

  it('begins before a locking read: the lock is held until the commit', async () => {
    await insertIntegrationRow(handle.db, 'locked');
    await client.query('begin');
    await client.query(`select id from integrations where id = 'locked' for update`);
    await expect(
      other.query(`select id from integrations where id = 'locked' for update nowait`),
    ).rejects.toThrow(/could not obtain lock/);
    await client.query('commit');
    expect(sent.slice(0, 2)).toEqual(['begin', `select id from integrations where id = 'locked' for update`]);
    expect(
      (await other.query(`select id from integrations where id = 'locked' for update nowait`)).rowCount,
    ).toBe(1);
  });

  it('begins before a NOTIFY: a rolled-back transaction notifies nobody', async () => {
    const heard: string[] = [];
    await other.query('listen deferred_begin_test');
    other.on('notification', (n) => heard.push(n.payload ?? ''));
    await client.query('begin');
    await client.query(`select pg_notify('deferred_begin_test', 'rolled back')`);
    await client.query('rollback');
    await client.query(`select pg_notify('deferred_begin_test', 'on its own')`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toEqual(['on its own']);
    expect(sent[0]).toBe('begin');
  });

  it('a rollback with nothing begun sends nothing, and the next transaction begins afresh', async () => {
    await client.query('begin');
    await client.query('select 1');
    await client.query('rollback');
    await client.query('begin');
    await client.query(insert);
    await client.query('commit');
    expect(sent).toEqual(['select 1', 'begin', insert, 'commit']);
    expect(await rowsSeenByOthers()).toBe(1);
  });

  it('says whether a transaction has begun, without a round trip', async () => {
    const begun = async () =>
      ((await client.query(begunProbe)) as unknown as { rows: { begun: boolean }[] }).rows[0]?.begun;
    expect(await begun()).toBe(false);
    await client.query('begin');
    await client.query('select 1');
    // Only read: its last statement may go on another connection (TransactionTail).
    expect(await begun()).toBe(false);
    await client.query(insert);
    expect(await begun()).toBe(true);
    await client.query('commit');
    expect(await begun()).toBe(false);
    await client.query('start transaction isolation level serializable');
    expect(await begun()).toBe(true);
    await client.query('rollback');
    expect(await begun()).toBe(false);
    expect(sent).not.toContain(begunProbe);
  });
});
