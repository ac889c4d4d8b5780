import { afterEach, describe, expect, it } from 'vitest';
import { FakeHipChat } from '../helpers/fake-hipchat.js';
import type { TestSwitchboard } from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';
import { postCreated, productionFlags, startWithFlag, toggleFlag, webhookSuite } from './delivery-kit.js';

/**
 * A pending delivery that has not been tried says in the delivery log what holds it back
 * (`waitingFor`): the chat service's rate limit, until its `nextAttemptAt`, or an older delivery
 * of the same integration, which goes first. Without it, the log showed such rows as pending
 * with no attempt and no reason.
 */

interface LoggedDelivery {
  status: string;
  attempts: number;
  nextAttemptAt?: number;
  lastError?: string;
  waitingFor?: string;
}

async function log(t: TestSwitchboard, path: string): Promise<LoggedDelivery[]> {
  const res = await t.api('GET', path);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  // Newest first; the tests read them oldest first.
  return [...(res.body.items as LoggedDelivery[])].reverse();
}

const suite = webhookSuite();

describe('why a pending delivery waits', () => {
  let hipchat: FakeHipChat | undefined;
  afterEach(async () => {
    await hipchat?.close();
    hipchat = undefined;
  });

  it('behind a failing head: the head shows its error and next try, the rest wait for it', async () => {
    const t = await startWithFlag({
      SWITCHBOARD_RETRY_SCHEDULE: '0,60',
      SWITCHBOARD_BLOCKED_RETRY_CAP: '60',
    });
    suite.t = t;
    const webhook = await postCreated(t, '/api/v2/webhooks', {
      url: suite.fake.url,
      sign: false,
      statements: productionFlags,
    });
    const path = `/api/v2/webhooks/${webhook._id}/deliveries`;
    suite.fake.setMode('down');
    await toggleFlag(t, 'production', true);
    await until('the first attempt is recorded', async () => (await log(t, path))[0]?.attempts === 1);
    await toggleFlag(t, 'production', false);
    await toggleFlag(t, 'production', true);
    const [head, ...behind] = await log(t, path);
    expect(head).toMatchObject({ status: 'pending', attempts: 1 });
    expect(head?.waitingFor).toBeUndefined();
    expect(head?.lastError).toBeDefined();
    expect(head?.nextAttemptAt).toBeGreaterThan(Date.now());
    expect(behind).toHaveLength(2);
    for (const d of behind)
      expect(d).toMatchObject({ status: 'pending', attempts: 0, waitingFor: 'earlierDelivery' });
  });

  it("held back by HipChat's room limit: until when, and the next one behind it", async () => {
    const room = { id: 1, name: 'Ops Room' };
    const token = 'ops-room-token-0123456789';
    hipchat = await FakeHipChat.start({ rooms: [room], tokens: [{ token, roomId: room.id }] });
    const fake = hipchat;
    const t = await startWithFlag({
      SWITCHBOARD_HIPCHAT_URL: fake.url,
      SWITCHBOARD_HIPCHAT_ROOM_RATE: '1',
      SWITCHBOARD_HIPCHAT_TOKEN_RATE: '0',
    });
    suite.t = t;
    const integration = await postCreated(t, '/api/v2/integrations/hipchat', {
      name: 'Ops room',
      config: { room: room.name, token },
      statements: productionFlags,
    });
    const path = `/api/v2/integrations/hipchat/${integration._id}/deliveries`;
    await toggleFlag(t, 'production', true);
    await fake.waitFor((received) => received.length === 1);
    // The room has had its one message this minute.
    await toggleFlag(t, 'production', false);
    await until('the second is held back', async () => (await log(t, path))[1]?.waitingFor !== undefined);
    await toggleFlag(t, 'production', true);
    const [sent, held, behind] = await log(t, path);
    expect(sent).toMatchObject({ status: 'done', attempts: 1 });
    expect(sent?.waitingFor).toBeUndefined();
    expect(held).toMatchObject({ status: 'pending', attempts: 0, waitingFor: 'rateLimit' });
    expect(held?.nextAttemptAt).toBeGreaterThan(Date.now() + 30_000);
    expect(behind).toMatchObject({ status: 'pending', attempts: 0, waitingFor: 'earlierDelivery' });
    expect(fake.received).toHaveLength(1);
  });
});
