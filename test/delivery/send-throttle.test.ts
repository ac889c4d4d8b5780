import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import type { ChannelLimit, ThrottleKey } from '../../src/features/delivery/delivery-channel.js';
import { DatabaseSendThrottle } from '../../src/features/delivery/queue/database-send-throttle.js';
import { openTestDatabase, type TestDatabase } from '../helpers/test-database.js';

// Runs on SQLite (vitest.config.ts) and on PostgreSQL (vitest.postgres.config.ts).

/**
 * The chat throttles kept in the database (`DatabaseSendThrottle`): two instances, each with its
 * own connection, are two worker processes on PostgreSQL, or one process before and after a
 * restart on a SQLite file. A room's limit is the room's, not each process's; a take is all its
 * keys or none; a 429's reset heard by one holds back the other.
 */

const limits = new Map<string, ChannelLimit>([
  ['room', { limiter: 'room', limit: 3, windowMs: 60_000 }],
  ['token', { limiter: 'token', limit: 5, windowMs: 300_000 }],
  ['off', { limiter: 'off', limit: 0, windowMs: 60_000 }],
]);
const room = (key: string): ThrottleKey => ({ limiter: 'room', key });
const token = (key: string): ThrottleKey => ({ limiter: 'token', key });

let database: TestDatabase;
let first: DatabaseHandle;
let second: DatabaseHandle;
let a: DatabaseSendThrottle;
let b: DatabaseSendThrottle;

beforeAll(async () => {
  database = await openTestDatabase();
  first = database.handle;
  second = await database.another();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await first.db.deleteFrom('send_throttles').execute();
  a = new DatabaseSendThrottle(first.db, limits);
  b = new DatabaseSendThrottle(second.db, limits);
});

it('counts a room’s sends from every process against its one limit', async () => {
  // A key may hold a NUL (HipChat's room key is its server and room, so separated).
  expect(await a.take([room('https://hipchat.example\u0000ops')], 500)).toBe(0);
  expect(await a.take([room('ops')], 1_000)).toBe(0);
  expect(await b.take([room('ops')], 2_000)).toBe(0);
  expect(await a.take([room('ops')], 3_000)).toBe(0);
  // Full in both processes: the first send leaves the window a minute after it went.
  expect(await b.take([room('ops')], 4_000)).toBe(57_000);
  expect(await a.take([room('ops')], 4_000)).toBe(57_000);
  expect(await b.take([room('dev')], 4_000)).toBe(0);
  expect(await b.take([room('ops')], 61_000)).toBe(0);
  expect(await a.take([room('ops')], 61_000)).toBe(1_000);
});

it('takes every key of a send or none', async () => {
  for (let i = 0; i < 5; i++) expect(await a.take([room(`r${i % 2}`), token('t')], 1_000)).toBe(0);
  // The token is spent: nothing is taken from the room either.
  expect(await b.take([room('r2'), token('t')], 2_000)).toBe(299_000);
  for (let i = 0; i < 3; i++) expect(await b.take([room('r2'), token('other')], 2_000)).toBe(0);
  expect(await a.take([room('r2')], 2_000)).toBeGreaterThan(0);
});

it('lets exactly the limit through when two processes take at once', async () => {
  const takes = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).take([room('busy')], 5_000));
  const waits = await Promise.all(takes);
  expect(waits.filter((w) => w === 0)).toHaveLength(3);
  expect(waits.filter((w) => w === 60_000)).toHaveLength(9);
});

it('holds every process back until a reset one of them heard', async () => {
  await a.blockUntil([room('ops'), token('t')], 10_000);
  expect(await b.take([room('ops')], 4_000)).toBe(6_000);
  expect(await b.take([token('t'), room('dev')], 4_000)).toBe(6_000);
  expect(await b.take([room('ops'), token('t')], 10_000)).toBe(0);
  // An earlier reset heard later does not shorten it.
  await b.blockUntil([room('dev')], 20_000);
  await a.blockUntil([room('dev')], 15_000);
  expect(await a.take([room('dev')], 12_000)).toBe(8_000);
});

it('keeps a throttle the operator turned off out of the database', async () => {
  for (let i = 0; i < 10; i++) expect(await a.take([{ limiter: 'off', key: 'x' }], 1_000)).toBe(0);
  await a.blockUntil([{ limiter: 'off', key: 'x' }], 5_000);
  expect(await a.take([{ limiter: 'off', key: 'x' }], 2_000)).toBe(3_000);
  expect(await first.db.selectFrom('send_throttles').selectAll().execute()).toEqual([]);
});

it('forgets a key nothing was sent under for a day, at most once an hour, keeping live blocks', async () => {
  const day = 24 * 60 * 60_000;
  expect(await a.take([room('old')], 1_000)).toBe(0);
  await a.blockUntil([room('blocked')], 3 * day);
  expect(await a.take([room('recent')], day)).toBe(0);
  // This process pruned at the take a day in (nothing was a day old then): not again within the hour.
  expect(await a.take([room('now')], day + 2_000)).toBe(0);
  const keys = async () =>
    (await first.db.selectFrom('send_throttles').select('touched_at').execute()).length;
  expect(await keys()).toBe(4);
  expect(await a.take([room('now')], day + 60 * 60_000 + 1_000)).toBe(0);
  await expect.poll(keys).toBe(3);
  expect(await a.pruneNow(2 * day + 2 * 60 * 60_000)).toBe(2);
  expect(await first.db.selectFrom('send_throttles').select('blocked_until').execute()).toEqual([
    { blocked_until: 3 * day },
  ]);
});
