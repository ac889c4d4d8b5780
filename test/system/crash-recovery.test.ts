import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultUnrecordedWindow } from '../../src/features/delivery/delivery-worker.js';
import { FakeHipChat } from '../helpers/fake-hipchat.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

const token = 'api-crash-test-0123456789abcdef';
const roomToken = 'crash-room-token-0123456789';
const changes = 500;
const dirs: string[] = [];
let fake: FakeHipChat;

beforeAll(async () => {
  fake = await FakeHipChat.start({
    rooms: [{ id: 7, name: 'Ops' }],
    tokens: [{ token: roomToken, roomId: 7 }],
    tokenRateLimit: null,
    roomFloodLimit: null,
  });
});
afterAll(async () => {
  await fake.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function env(dir: string, window: string | undefined) {
  return {
    ...(window === undefined ? {} : { SWITCHBOARD_UNRECORDED_WINDOW: window }),
    SWITCHBOARD_DATABASE_URL: `sqlite:${join(dir, 'switchboard.db')}`,
    SWITCHBOARD_ADMIN_TOKEN: token,
    SWITCHBOARD_HIPCHAT_URL: fake.url,
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '0',
    SWITCHBOARD_HIPCHAT_TOKEN_RATE: '0',
  };
}

async function call(server: ServerProcess, method: string, path: string, body: unknown) {
  const response = await fetch(`${server.baseUrl}/api/v2${path}`, {
    method,
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.status;
}

/** The sequence numbers carried in the comments of the flag notifications received. */
function sequence(): number[] {
  return fake
    .delivered(7)
    .map((r) => /seq (\d+)/.exec((r.body as { message: string }).message)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number);
}

describe.each([
  { label: 'the default (16)', window: undefined, bound: defaultUnrecordedWindow },
  { label: 'SWITCHBOARD_UNRECORDED_WINDOW=1', window: '1', bound: 1 },
])('a server killed with SIGKILL in the middle of a burst, unrecorded window $label', ({ window, bound }) => {
  it('delivers every change at least once after restart, in order, repeating at most the unrecorded window', {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
    dirs.push(dir);
    fake.reset();
    let server = await startServerProcess(env(dir, window));
    expect(await call(server, 'POST', '/projects', { key: 'p', name: 'P' })).toBe(201);
    expect(await call(server, 'POST', '/flags/p', { key: 'f', name: 'F' })).toBe(201);
    expect(
      await call(server, 'POST', '/integrations/hipchat', {
        name: 'Ops',
        config: { room: 'Ops', token: roomToken },
        statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['updateOn'] }],
      }),
    ).toBe(201);
    fake.delay(3); // so the kill lands while deliveries are still queued

    const accepted: number[] = [];
    let killedAt = -1;
    for (let i = 0; i < changes; i++) {
      const status = await call(server, 'PATCH', '/flags/p/f', {
        patch: [{ op: 'replace', path: '/environments/production/on', value: i % 2 === 0 }],
        comment: `seq ${i}`,
      });
      expect(status).toBe(200);
      accepted.push(i);
      if (killedAt < 0 && sequence().length >= 100) {
        killedAt = i;
        await server.stop('SIGKILL');
        break;
      }
    }
    expect(killedAt).toBeGreaterThan(0);
    const beforeRestart = sequence().length;
    expect(beforeRestart).toBeLessThan(accepted.length); // the kill left work queued

    const firstLogs = server.stdout() + server.stderr();
    server = await startServerProcess(env(dir, window));
    try {
      for (let i = killedAt + 1; i < changes; i++) {
        const status = await call(server, 'PATCH', '/flags/p/f', {
          patch: [{ op: 'replace', path: '/environments/production/on', value: i % 2 === 0 }],
          comment: `seq ${i}`,
        });
        expect(status).toBe(200);
      }
      await fake.waitFor(() => new Set(sequence()).size === changes, 60_000);
    } finally {
      await server.stop();
    }
    // The room token reached HipChat but never a log line of either run.
    expect(fake.delivered(7)[0]?.token).toBe(roomToken);
    expect(firstLogs + server.stdout() + server.stderr()).not.toContain(roomToken);

    const got = sequence();
    expect(new Set(got).size).toBe(changes);
    // A lane sends one delivery at a time and has at most `unrecordedWindow` sent whose records
    // were not committed yet: only those can be repeated after the kill.
    const repeated = got.filter((s, i) => got.indexOf(s) !== i);
    expect(repeated.length).toBeLessThanOrEqual(bound);
    // … and they are the last sends before the kill, not older ones.
    const lastBeforeKill = Math.max(...got.slice(0, beforeRestart));
    for (const s of repeated) expect(s).toBeGreaterThan(lastBeforeKill - bound);
    // In order: ignoring a repeated send, each notification follows the one before it.
    const firsts = got.filter((s, i) => got.indexOf(s) === i);
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  });
});
