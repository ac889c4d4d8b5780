import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startWithFlag, toggleFlag } from '../delivery/delivery-kit.js';
import { FakeHipChat } from '../helpers/fake-hipchat.js';
import {
  freshPostgresDatabase,
  startTestSwitchboard,
  type TestSwitchboard,
  testDialect,
} from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';

// Runs on SQLite (vitest.config.ts) and on PostgreSQL (vitest.postgres.config.ts).

/**
 * HipChat's flood control counts a room's messages, whoever sends them. With the throttles in
 * each worker's memory, a worker that took over a room (a second worker on PostgreSQL, or the
 * one process restarted on either database) started from an empty window and sent past the
 * room's rate into 429s. With them kept in the database (`DatabaseSendThrottle`), it waits for
 * the room's window as the first worker would have.
 */

const OPS = { id: 1, name: 'Ops Room' };
const opsToken = 'ops-room-token-0123456789';

let fake: FakeHipChat;
const started: TestSwitchboard[] = [];
let drop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  fake = await FakeHipChat.start({
    rooms: [OPS],
    tokens: [{ token: opsToken, roomId: OPS.id }],
    tokenRateLimit: null,
    roomFloodLimit: { limit: 3, windowMs: 60_000 },
  });
});
afterEach(async () => {
  for (const sb of started.splice(0)) await sb.close();
  await drop?.();
});
afterAll(async () => {
  await fake.close();
});

it('a worker that takes over a room keeps to the rate the room was sent at before it', {
  timeout: 60_000,
}, async () => {
  let url: string;
  if (testDialect === 'postgres') {
    const fresh = await freshPostgresDatabase();
    ({ url } = fresh);
    drop = fresh.drop;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-throttle-'));
    url = `sqlite:${join(dir, 'switchboard.db')}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  }
  const env = {
    SWITCHBOARD_DATABASE_URL: url,
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    SWITCHBOARD_HIPCHAT_URL: fake.url,
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '3',
  };
  // PostgreSQL: an API process and a worker, the worker replaced. SQLite: its one process, restarted.
  const split = testDialect === 'postgres';
  let api = await startWithFlag(split ? { ...env, SWITCHBOARD_ROLE: 'api' } : env);
  started.push(api);
  const worker = split ? await startTestSwitchboard({ ...env, SWITCHBOARD_ROLE: 'worker' }) : api;
  if (split) started.push(worker);
  const created = await api.api('POST', '/api/v2/integrations/hipchat', {
    name: 'Ops room',
    config: { room: OPS.name, token: opsToken },
    statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
  });
  expect(created.status).toBe(201);

  for (const on of [true, false, true]) await toggleFlag(api, 'production', on);
  await until('the room heard three changes', () => fake.delivered().length === 3, 10_000);
  // The worker goes; the next one takes over the room within the same minute.
  started.splice(started.indexOf(worker), 1);
  await worker.close();
  const next = await startTestSwitchboard(split ? { ...env, SWITCHBOARD_ROLE: 'worker' } : env);
  started.push(next);
  if (!split) api = next;
  const before = Date.now();
  await toggleFlag(api, 'production', false);

  const deliveries = `/api/v2/integrations/hipchat/${created.body._id}/deliveries`;
  const fourth = async () => {
    const items = (await api.api('GET', deliveries)).body.items as {
      status: string;
      nextAttemptAt?: number;
    }[];
    return items.find((d) => d.status === 'pending' && (d.nextAttemptAt ?? 0) > before + 30_000);
  };
  await until(
    'the fourth change waits for the room’s window (or was sent)',
    async () => (await fourth()) !== undefined || fake.received.length > 3,
    10_000,
  );
  expect(fake.received.filter((r) => r.status === 429)).toEqual([]);
  expect(fake.received).toHaveLength(3);
  expect(await fourth()).toBeDefined();
});
