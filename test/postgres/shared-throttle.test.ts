import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startWithFlag, toggleFlag } from '../delivery/delivery-kit.js';
import { FakeHipChat } from '../helpers/fake-hipchat.js';
import {
  freshPostgresDatabase,
  startTestSwitchboard,
  type TestSwitchboard,
} from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';

/**
 * HipChat's flood control counts a room's messages, whoever sends them. With the throttles in
 * each worker's memory, a worker that took over a room (a second worker, or the first one
 * restarted) started from an empty window and sent past the room's rate into 429s. With them
 * kept in the database (`PostgresSendThrottle`), it waits for the room's window as the first
 * worker would have.
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

it('a worker that takes over a room keeps to the rate the room was sent at by another', {
  timeout: 60_000,
}, async () => {
  const { url, drop: dropDatabase } = await freshPostgresDatabase();
  drop = dropDatabase;
  const env = {
    SWITCHBOARD_DATABASE_URL: url,
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    SWITCHBOARD_HIPCHAT_URL: fake.url,
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '3',
  };
  const api = await startWithFlag({ ...env, SWITCHBOARD_ROLE: 'api' });
  started.push(api);
  const worker = await startTestSwitchboard({ ...env, SWITCHBOARD_ROLE: 'worker' });
  started.push(worker);
  const created = await api.api('POST', '/api/v2/integrations/hipchat', {
    name: 'Ops room',
    config: { room: OPS.name, token: opsToken },
    statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
  });
  expect(created.status).toBe(201);
  const toggle = (on: boolean) => toggleFlag(api, 'production', on);

  for (const on of [true, false, true]) await toggle(on);
  await until('the room heard three changes', () => fake.delivered().length === 3, 10_000);
  // The first worker goes; the next one takes over the room within the same minute.
  started.splice(started.indexOf(worker), 1);
  await worker.close();
  started.push(await startTestSwitchboard({ ...env, SWITCHBOARD_ROLE: 'worker' }));
  const before = Date.now();
  await toggle(false);

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
