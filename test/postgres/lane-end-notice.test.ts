import { expect, it } from 'vitest';
import { apiAndWorkerSuite, flagNotices } from '../helpers/api-and-worker.js';
import { until } from '../helpers/until.js';

/**
 * A worker in a process of its own hears changes by NOTIFY, which does not say for which
 * integration. One heard while that integration's lane is out, after the lane's last look found
 * its queue drained, must still be claimed when the lane ends: not left for the fallback poll,
 * which is a minute away here. The API and the worker are two Switchboards on one database, each
 * with its own pool, as two processes are.
 */

const suite = apiAndWorkerSuite();

it('claims a change heard by NOTIFY while its lane was ending, without the poll', {
  timeout: 90_000,
}, async () => {
  const nodes = await suite.start();
  // Each change right after the one before arrived: while that one's lane is still ending.
  for (let i = 1; i <= 30; i++) {
    await nodes.toggle(i % 2 === 1);
    await until(`change ${i} arrived`, () => flagNotices(suite.fake) >= i, 10_000);
  }
  expect(flagNotices(suite.fake)).toBe(30);
});
