import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultUnrecordedWindow } from '../../src/features/delivery/delivery-worker.js';
import { FakeHipChat } from '../helpers/fake-hipchat.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { freshPostgresDatabase } from '../helpers/test-switchboard.js';

const adminToken = 'api-multi-node-0123456789abcdef';
const integrations = 20;
const changes = 2_000;
const http = new Agent({ connections: 16 });

let fake: FakeHipChat;
const processes: ServerProcess[] = [];

async function freshDatabase(): Promise<string> {
  return (await freshPostgresDatabase()).url;
}

function env(databaseUrl: string, role: 'api' | 'worker') {
  return {
    SWITCHBOARD_DATABASE_URL: databaseUrl,
    SWITCHBOARD_SECRET_KEY: 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=',
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    SWITCHBOARD_ROLE: role,
    SWITCHBOARD_HIPCHAT_URL: fake.url,
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '0',
    SWITCHBOARD_HIPCHAT_TOKEN_RATE: '0',
    SWITCHBOARD_RETRY_SCHEDULE: '0,0.2,0.5,1,1,1,1,1,1,1',
  };
}

async function call(server: ServerProcess, method: string, path: string, body: unknown): Promise<number> {
  const response = await http.request({
    origin: server.baseUrl,
    path: `/api/v2${path}`,
    method: method as 'POST',
    headers: { authorization: adminToken, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.body.dump();
  return response.statusCode;
}

/** `seq` numbers each room received, in arrival order. */
function received(): Map<number, number[]> {
  const rooms = new Map<number, number[]>();
  for (const r of fake.delivered()) {
    const seq = /seq (\d+)/.exec((r.body as { message: string }).message)?.[1];
    if (seq === undefined || r.roomId === undefined) continue;
    rooms.set(r.roomId, [...(rooms.get(r.roomId) ?? []), Number(seq)]);
  }
  return rooms;
}

function total(): number {
  let n = 0;
  for (const list of received().values()) n += new Set(list).size;
  return n;
}

/** Sets up one database with 20 flags and 20 rooms, integration i hearing only flag i. */
async function cluster(): Promise<{ apis: ServerProcess[]; workers: ServerProcess[] }> {
  const url = await freshDatabase();
  // The first node migrates and creates the owner; the others then boot together.
  const first = await startServerProcess(env(url, 'api'));
  processes.push(first);
  const [second, w1, w2] = await Promise.all([
    startServerProcess(env(url, 'api')),
    startServerProcess(env(url, 'worker')),
    startServerProcess(env(url, 'worker')),
  ]);
  processes.push(second, w1, w2);
  expect(await call(first, 'POST', '/projects', { key: 'p', name: 'P' })).toBe(201);
  for (let i = 0; i < integrations; i++) {
    expect(await call(first, 'POST', '/flags/p', { key: `f${i}`, name: `F${i}` })).toBe(201);
    const created = await call(second, 'POST', '/integrations/hipchat', {
      name: `Room ${i}`,
      config: { room: String(100 + i), token: `room-token-${i}-0123456789` },
      statements: [
        { effect: 'allow', resources: [`proj/*:env/production:flag/f${i}`], actions: ['updateOn'] },
      ],
    });
    expect(created).toBe(201);
  }
  return { apis: [first, second], workers: [w1, w2] };
}

/**
 * Change n toggles flag n % 20 through API n % 2, carrying `seq n` in its comment. Each flag
 * belongs to one of 4 lanes that send its changes one after another, so a flag's changes commit
 * in `seq` order (concurrent PATCHes of one flag would all apply, in no set order).
 */
async function burst(apis: ServerProcess[], from: number, to: number, onProgress?: () => Promise<void>) {
  const lanes = Array.from({ length: 4 }, async (_, lane) => {
    for (let n = from; n < to; n++) {
      if ((n % integrations) % 4 !== lane) continue;
      const status = await call(apis[n % 2] as ServerProcess, 'PATCH', `/flags/p/f${n % integrations}`, {
        patch: [
          {
            op: 'replace',
            path: '/environments/production/on',
            value: Math.floor(n / integrations) % 2 === 0,
          },
        ],
        comment: `seq ${n}`,
      });
      expect(status).toBe(200);
      await onProgress?.();
    }
  });
  await Promise.all(lanes);
}

function checkOrder(rooms: Map<number, number[]>) {
  for (const list of rooms.values()) {
    const firsts = list.filter((s, i) => list.indexOf(s) === i);
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  }
}

beforeAll(async () => {
  const rooms = Array.from({ length: integrations }, (_, i) => ({ id: 100 + i, name: `Room ${i}` }));
  fake = await FakeHipChat.start({
    rooms,
    tokens: rooms.map((r, i) => ({ token: `room-token-${i}-0123456789`, roomId: r.id })),
    tokenRateLimit: null,
    roomFloodLimit: null,
  });
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await fake.close();
  await http.close();
});

describe('two API and two worker processes on one PostgreSQL', () => {
  it('delivers 2,000 changes over 20 integrations exactly once and in order per integration', {
    timeout: 240_000,
  }, async () => {
    fake.reset();
    const { apis, workers } = await cluster();
    await burst(apis, 0, changes);
    await fake.waitFor(() => total() === changes, 120_000);
    await new Promise((r) => setTimeout(r, 500)); // anything late would be a duplicate
    const rooms = received();
    let sent = 0;
    for (const [room, list] of rooms) {
      const expected = Array.from(
        { length: changes / integrations },
        (_, k) => k * integrations + (room - 100),
      );
      expect(list).toEqual(expected);
      sent += list.length;
    }
    expect(sent).toBe(changes);
    // Both workers took part.
    const log = workers.map((w) => w.stdout()).join('\n');
    expect(log).not.toContain('"level":50');
    for (const p of [...apis, ...workers]) await p.stop();
  });

  it('loses nothing when a worker is killed with SIGKILL mid-burst; duplicates stay within each lane’s unrecorded window', {
    timeout: 240_000,
  }, async () => {
    fake.reset();
    fake.delay(2);
    const { apis, workers } = await cluster();
    let killed = false;
    await burst(apis, 0, changes, async () => {
      if (!killed && total() >= changes / 4) {
        killed = true;
        await workers[0]?.stop('SIGKILL');
      }
    });
    expect(killed).toBe(true);
    // The surviving worker takes over the dead one's leases once they go stale (60 s at most).
    await fake.waitFor(() => total() === changes, 150_000);
    const rooms = received();
    for (const list of rooms.values()) {
      // No loss: every change of the room arrived.
      expect(new Set(list).size).toBe(changes / integrations);
      // A lane has at most `unrecordedWindow` sends out whose records were not committed: only
      // those can be sent again after the kill, per integration.
      expect(list.length - new Set(list).size).toBeLessThanOrEqual(defaultUnrecordedWindow);
    }
    checkOrder(rooms);
    for (const p of [...apis, workers[1]]) await p?.stop();
  });
});
