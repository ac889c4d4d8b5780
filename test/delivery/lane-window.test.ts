import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { defaultUnrecordedWindow } from '../../src/features/delivery/delivery-worker.js';
import { type TestSwitchboard, testDialect } from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';
import {
  flagArrivals,
  postCreated,
  productionFlags,
  startWithFlag,
  toggleFlag,
  webhookSuite,
} from './delivery-kit.js';

/**
 * A lane sends on while its records are committed (the unrecorded window). When a record cannot
 * be committed, the row must stay pending under its lease, be sent again once the lease expires,
 * and nothing may be lost. A trigger in the real database refuses to mark one delivery done.
 */

const suite = webhookSuite();

const waitUntil = (what: string, check: () => boolean | Promise<boolean>) => until(what, check, 20_000);

const arrivals = () => flagArrivals(suite.fake);

async function refuseDone(sb: TestSwitchboard, id: number): Promise<void> {
  const { db } = sb.switchboard.database;
  if (testDialect === 'postgres') {
    await sql
      .raw(`create function refuse_done() returns trigger language plpgsql as $$
        begin
          if new.status = 'done' and old.id = ${id} then raise exception 'refused by the test'; end if;
          return new;
        end $$`)
      .execute(db);
    await sql
      .raw(
        'create trigger refuse_done before update on deliveries for each row execute function refuse_done()',
      )
      .execute(db);
  } else {
    await sql
      .raw(`create trigger refuse_done before update on deliveries
        when new.status = 'done' and old.id = ${id}
        begin select raise(abort, 'refused by the test'); end`)
      .execute(db);
  }
}

async function allowDone(sb: TestSwitchboard): Promise<void> {
  const { db } = sb.switchboard.database;
  await sql.raw(`drop trigger refuse_done${testDialect === 'postgres' ? ' on deliveries' : ''}`).execute(db);
}

/**
 * A Switchboard (`env` on top) with a webhook, whose next delivery (the head) is delivered but
 * cannot be recorded, and three changes queued behind the receiver's outage; `up` brings the
 * receiver back.
 */
async function headThatCannotBeRecorded(env: Record<string, string> = {}) {
  const sb = await startWithFlag(env);
  suite.t = sb;
  await postCreated(sb, '/api/v2/webhooks', {
    url: suite.fake.url,
    sign: false,
    statements: productionFlags,
  });
  const { db } = sb.switchboard.database;
  const next = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  const head = Number(next?.id ?? 0) + 1;
  await refuseDone(sb, head);
  suite.fake.setMode('down');
  for (const on of [true, false, true]) await toggleFlag(sb, 'production', on);
  await waitUntil('the first was tried', () => suite.fake.received.length >= 1);
  suite.fake.setMode('up');
  const rows = async () =>
    db
      .selectFrom('deliveries')
      .select(['id', 'status', 'locked_by'])
      .where('id', '>=', head)
      .orderBy('id')
      .execute();
  /** The lease expires (as it would 60 s later), with the record allowed again. */
  const expireLease = async () => {
    await allowDone(sb);
    await db.updateTable('deliveries').set({ locked_at: 0 }).where('id', '=', head).execute();
    await sb.settle();
  };
  return { sb, db, head, rows, expireLease };
}

describe('a record that fails inside the unrecorded window', () => {
  it('keeps the row pending under its lease, sends it again when the lease expires, and loses nothing', {
    timeout: 60_000,
  }, async () => {
    // Once the receiver is up the three go out as one lane: the first is delivered but cannot
    // be recorded, the two behind it are sent within the window and recorded.
    const { db, head, rows, expireLease } = await headThatCannotBeRecorded();
    await waitUntil('all three arrived', () => new Set(arrivals()).size === 3);
    await waitUntil('the two behind it are recorded', async () =>
      (await rows()).slice(1).every((r) => r.status === 'done'),
    );
    await new Promise((r) => setTimeout(r, 1_500)); // a poll or more: nobody takes a leased head
    const [first] = await rows();
    expect(first).toMatchObject({ id: head, status: 'pending' });
    expect(first?.locked_by).not.toBeNull();
    const firstId = arrivals()[0];
    expect(arrivals().filter((a) => a === firstId)).toHaveLength(1);

    // The head is sent again, now recorded.
    await expireLease();
    const got = arrivals();
    expect(new Set(got).size).toBe(3);
    expect(got.filter((a) => a === firstId)).toHaveLength(2);
    expect(got.length - 3).toBeLessThanOrEqual(defaultUnrecordedWindow);
    // In order: ignoring the repeat, each arrived after the one before it.
    const firsts = got.filter((a, i) => got.indexOf(a) === i);
    const log = await db
      .selectFrom('deliveries')
      .select('audit_id')
      .where('id', '>=', head)
      .orderBy('id')
      .execute();
    expect(firsts).toEqual(log.map((r) => r.audit_id));
    // The two behind the head went out while its record was outstanding; only the head repeated.
    expect(got).toEqual([...firsts, firsts[0]]);
  });

  it('with SWITCHBOARD_UNRECORDED_WINDOW=1, sends nothing behind a send until it is recorded', {
    timeout: 60_000,
  }, async () => {
    const { rows, expireLease } = await headThatCannotBeRecorded({ SWITCHBOARD_UNRECORDED_WINDOW: '1' });
    await waitUntil('the first arrived', () => arrivals().length >= 1);
    await new Promise((r) => setTimeout(r, 1_500)); // with a window of 16 the two behind went out
    expect(arrivals()).toHaveLength(1);
    expect((await rows()).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    // A crash now would repeat that one send, and only it.
    await expireLease();
    const got = arrivals();
    expect(got).toHaveLength(4);
    expect(got[1]).toBe(got[0]);
    expect(new Set(got).size).toBe(3);
  });
});
