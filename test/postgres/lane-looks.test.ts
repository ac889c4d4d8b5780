import { describe, expect, it } from 'vitest';
import { flagArrivals, startWithWebhook, toggleFlag, webhookSuite } from '../delivery/delivery-kit.js';
import { resetStatementStats, statementCalls } from '../helpers/statement-stats.js';
import type { TestSwitchboard } from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';

/**
 * A lane whose last look saw the end of its queue, with no change queued for its integration
 * since, ends without looking again (`LaneDriver.sawTheEnd`): at one client, where every change
 * is claimed on its own, that look was a statement per change and found nothing. Counted with
 * pg_stat_statements (loaded by the test cluster) in this test's own database. What must not
 * change: every change arrives without the fallback poll, a minute away here (lane-end.test.ts
 * runs the bursts on both databases).
 */

const suite = webhookSuite();

/** Statements of this Switchboard's database whose text starts with `start`. */
const calls = (t: TestSwitchboard, start: string) => statementCalls(t.switchboard.database.db, `${start}%`);

describe('looks a lane does not make (PostgreSQL)', () => {
  it('ends a lane that saw the end of its queue without another look, at one client', {
    timeout: 60_000,
  }, async () => {
    const t = await startWithWebhook(suite, [], { deliveryPollMs: 60_000 });
    await resetStatementStats(t.switchboard.database.db);
    const toggles = 8;
    for (let i = 1; i <= toggles; i++) {
      await toggleFlag(t, 'production', i % 2 === 1);
      await until(`change ${i} arrived`, () => flagArrivals(suite.fake).length >= i, 10_000);
      await t.settle();
    }
    expect(await calls(t, 'with state as')).toBe(0);
    // Each change was claimed (the lane before it had ended), and the claim was all it took.
    expect(await calls(t, 'with head as')).toBe(toggles);
  });

  it('looks again when a change was queued for the integration while its lane was out', {
    timeout: 60_000,
  }, async () => {
    const t = await startWithWebhook(suite, [], { deliveryPollMs: 60_000 });
    await resetStatementStats(t.switchboard.database.db);
    // The receiver keeps the first change's send unanswered: its lane is out for certain (with
    // changes sent together, a round's could all commit before one claim took them at once).
    suite.fake.hold();
    await toggleFlag(t, 'production', true);
    await until('the first change is out', () => suite.fake.held === 1, 10_000);
    await toggleFlag(t, 'production', false);
    suite.fake.releaseOne();
    await until('the second change is out', () => suite.fake.held === 1, 10_000);
    suite.fake.releaseOne();
    await until('both changes arrived', () => flagArrivals(suite.fake).length >= 2, 10_000);
    // The second was queued while the lane was out: the lane looked behind itself for it.
    expect(await calls(t, 'with state as')).toBe(1);
    expect(await calls(t, 'with head as')).toBe(1);
  });
});
