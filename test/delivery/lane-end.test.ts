import { describe, expect, it } from 'vitest';
import { until } from '../helpers/until.js';
import { flagArrivals, startWithWebhook, toggleFlag, webhookSuite } from './delivery-kit.js';

/**
 * A lane that finds nothing behind it ends without waking the worker's loop (a claim then would
 * find nothing), unless a change for its integration was queued since it looked. What must not
 * happen: a change left for the fallback poll. The poll is a minute away here, so a change that
 * waited for it would not arrive within the test's time.
 */

const suite = webhookSuite();
const flags = ['checkout', 'f2', 'f3', 'f4'];

/** Flag notifications received so far. */
const received = () => flagArrivals(suite.fake).length;

const start = () => startWithWebhook(suite, flags.slice(1), { deliveryPollMs: 60_000 });

describe('the end of a lane, with the fallback poll a minute away', () => {
  it('sends every change of one client at once, each after the lane before it ended', {
    timeout: 60_000,
  }, async () => {
    const sb = await start();
    for (let i = 1; i <= 12; i++) {
      await toggleFlag(sb, 'production', i % 2 === 1);
      await until(`change ${i} arrived`, () => received() >= i, 10_000);
    }
    expect(received()).toBe(12);
  });

  it('sends every change of bursts queued while a lane is out', { timeout: 60_000 }, async () => {
    const sb = await start();
    let expected = 0;
    for (let round = 1; round <= 8; round++) {
      await Promise.all(flags.map((flag) => toggleFlag(sb, 'production', round % 2 === 1, flag)));
      expected += flags.length;
      // Every other round goes on before the last one arrived: changes queue behind a live lane.
      if (round % 2 === 0) await until(`round ${round} arrived`, () => received() >= expected, 10_000);
    }
    await until('every change arrived', () => received() >= expected, 10_000);
    expect(received()).toBe(expected);
  });
});
