import { expect, it } from 'vitest';
import { type ApiAndWorker, apiAndWorkerSuite, flagNotices } from '../helpers/api-and-worker.js';
import { until } from '../helpers/until.js';

/**
 * A receiver outage: a head that failed with nothing behind it waits for its schedule's next
 * step (a minute here), and once a change queues behind it, it is tried again within
 * SWITCHBOARD_BLOCKED_RETRY_CAP instead (test/delivery/blocked-lane.test.ts, one process). With
 * the API and the worker in two processes, the worker hears of that change only by NOTIFY; it
 * must bring the head forward all the same, not leave the change behind it for the minute (its
 * fallback poll is a minute away too). Nor may a change that arrives while the head's failure
 * is being recorded, before it is known to wait alone, be left behind it. Both failed before
 * notices named their integrations and the worker noted when each was last queued for. And a
 * successful test message through the API, which makes the head due at once, must reach the
 * worker at once (it had waited for the worker's poll).
 */

const suite = apiAndWorkerSuite();

/** The titles of the flag changes the webhook received, in order. */
const arrived = () => suite.fake.deliveredFlagChanges().map((e) => e.titleVerb);

/** Attempts the delivery log holds for the webhook (through the API's process). */
async function attemptsLogged({ api, webhookId }: ApiAndWorker): Promise<number> {
  const log = await api.api('GET', `/api/v2/webhooks/${webhookId}/deliveries`);
  return (log.body.items as { attemptLog: unknown[] }[]).flatMap((d) => d.attemptLog).length;
}

/** Two changes through the API while the receiver is down; `between` runs after the first failed. */
async function outage(between: (nodes: ApiAndWorker) => Promise<void>): Promise<void> {
  const nodes = await suite.start({
    SWITCHBOARD_RETRY_SCHEDULE: '0,60',
    SWITCHBOARD_BLOCKED_RETRY_CAP: '0.3',
  });
  suite.fake.setMode('down');
  await nodes.toggle(true);
  await until('the first attempt failed', () => suite.fake.received.length === 1, 10_000);
  await between(nodes);
  // Alone, the head waits a minute. Behind it now: a change made through the API's process.
  await nodes.toggle(false);
  await until('the head is tried again within the cap', () => suite.fake.received.length >= 2, 10_000);
  suite.fake.setMode('up');
  await until('both changes arrived', () => flagNotices(suite.fake) === 2, 10_000);
  expect(arrived()).toEqual(['turned on the flag', 'turned off the flag']);
}

it('brings a waiting head forward when another process queues a change behind it', {
  timeout: 60_000,
}, async () => {
  await outage(async (nodes) => {
    await until('the failed attempt is recorded', async () => (await attemptsLogged(nodes)) === 1, 10_000);
  });
});

it('brings it forward too when the change came while the failure was being recorded', {
  timeout: 60_000,
}, async () => {
  // No wait: the notice of the change may arrive before the head is known to wait alone.
  await outage(async () => undefined);
});

it('a successful test through the API retries the waiting head at once in the worker', {
  timeout: 60_000,
}, async () => {
  const nodes = await suite.start({
    SWITCHBOARD_RETRY_SCHEDULE: '0,60',
    SWITCHBOARD_BLOCKED_RETRY_CAP: '60',
  });
  suite.fake.setMode('down');
  await nodes.toggle(true);
  await until('the failed attempt is recorded', async () => (await attemptsLogged(nodes)) === 1, 10_000);
  suite.fake.setMode('up');
  // Up again, but the head waits a minute for its next try, and the worker's poll as long.
  const test = await nodes.api.api('POST', `/api/v2/webhooks/${nodes.webhookId}/test`);
  expect(test.body).toMatchObject({ ok: true });
  await until('the waiting head arrived', () => flagNotices(suite.fake) === 1, 5_000);
  expect(arrived()).toEqual(['turned on the flag']);
});
