import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type ApiAndWorker, flagNotices, startApiAndWorker } from '../helpers/api-and-worker.js';
import { FakeWebhook } from '../helpers/fake-webhook.js';
import { until } from '../helpers/until.js';

/**
 * A worker in a process of its own hears changes by NOTIFY, which does not say for which
 * integration. One heard while that integration's lane is out, after the lane's last look found
 * its queue drained, must still be claimed when the lane ends: not left for the fallback poll,
 * which is a minute away here. The API and the worker are two Switchboards on one database, each
 * with its own pool, as two processes are.
 */

let fake: FakeWebhook;
let nodes: ApiAndWorker | undefined;

beforeAll(async () => {
  fake = await FakeWebhook.start();
});
afterEach(async () => {
  await nodes?.close();
  nodes = undefined;
  fake.reset();
});
afterAll(async () => {
  await fake.close();
});

it('claims a change heard by NOTIFY while its lane was ending, without the poll', {
  timeout: 90_000,
}, async () => {
  nodes = await startApiAndWorker(fake);
  // Each change right after the one before arrived: while that one's lane is still ending.
  for (let i = 1; i <= 30; i++) {
    await nodes.toggle(i % 2 === 1);
    await until(`change ${i} arrived`, () => flagNotices(fake) >= i, 10_000);
  }
  expect(flagNotices(fake)).toBe(30);
});
