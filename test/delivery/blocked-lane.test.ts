import { describe, expect, it } from 'vitest';
import type { TestSwitchboard } from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';
import { postCreated, productionFlags, startWithFlag, toggleFlag, webhookSuite } from './delivery-kit.js';

/**
 * A receiver outage holds an integration's later changes behind its oldest delivery (order).
 * These suites check what shortens the wait without giving up order: a head with changes behind
 * it is retried within SWITCHBOARD_BLOCKED_RETRY_CAP instead of its schedule's next step, and a
 * successful test message retries it at once. The schedule's second step is a minute, so a
 * delivery that arrives within seconds got there only by the cap or the test.
 */

const suite = webhookSuite();

const titles = () => suite.fake.deliveredFlagChanges().map((e) => e.titleVerb);

/** A Switchboard whose deliveries retry after a minute, with the given cap, and an unsigned webhook. */
async function withWebhook(cap: string): Promise<{ sb: TestSwitchboard; id: string }> {
  const sb = await startWithFlag({ SWITCHBOARD_RETRY_SCHEDULE: '0,60', SWITCHBOARD_BLOCKED_RETRY_CAP: cap });
  suite.t = sb;
  const created = await postCreated(sb, '/api/v2/webhooks', {
    url: suite.fake.url,
    sign: false,
    statements: productionFlags,
  });
  return { sb, id: created._id };
}

async function attemptsOf(sb: TestSwitchboard, id: string): Promise<{ outcome: string }[][]> {
  const log = (await sb.api('GET', `/api/v2/webhooks/${id}/deliveries`)).body.items as {
    attemptLog: { outcome: string }[];
  }[];
  return log.map((d) => d.attemptLog);
}

describe('a lane blocked by a receiver outage', () => {
  it('retries its head within the cap once changes wait behind it, and delivers them in order after recovery', async () => {
    const { sb, id } = await withWebhook('0.3');
    suite.fake.setMode('down');
    await toggleFlag(sb, 'production', true);
    // The head failed alone: its next try is the schedule's, a minute away.
    await until('the first attempt is recorded', async () => (await attemptsOf(sb, id)).flat().length === 1);
    await toggleFlag(sb, 'production', false);
    await toggleFlag(sb, 'production', true);
    // With changes behind it, the head is tried again within the cap, again and again.
    await until('the head is retried on the cap', () => suite.fake.received.length >= 4);
    expect(suite.fake.delivered()).toHaveLength(0);
    suite.fake.setMode('up');
    const upAt = Date.now();
    await until('all three are delivered', () => titles().length === 3);
    expect(Date.now() - upAt).toBeLessThan(3_000);
    expect(titles()).toEqual(['turned on the flag', 'turned off the flag', 'turned on the flag']);
    await sb.settle();
    const attempts = await attemptsOf(sb, id);
    // Still a retry, not dead: the extra tries do not use up the schedule's attempts.
    expect(attempts.flat().filter((a) => a.outcome === 'dead' || a.outcome === 'failed')).toEqual([]);
    expect(Math.max(...attempts.map((a) => a.length))).toBeGreaterThanOrEqual(4);
  });

  it('a successful test message retries a waiting head at once, with the changes behind it', async () => {
    const { sb, id } = await withWebhook('60');
    suite.fake.setMode('down');
    await toggleFlag(sb, 'production', true);
    await until('the first attempt is recorded', async () => (await attemptsOf(sb, id)).flat().length === 1);
    await toggleFlag(sb, 'production', false);
    suite.fake.setMode('up');
    await new Promise((r) => setTimeout(r, 700));
    // Up again, but the head waits for its next try (cap and schedule both a minute away).
    expect(titles()).toEqual([]);
    const test = await sb.api('POST', `/api/v2/webhooks/${id}/test`);
    expect(test.status, JSON.stringify(test.body)).toBe(200);
    expect(test.body).toMatchObject({ ok: true });
    await until('both are delivered', () => titles().length === 2, 3_000);
    expect(titles()).toEqual(['turned on the flag', 'turned off the flag']);
  });

  it('a failed test leaves the waiting head to its schedule', async () => {
    const { sb, id } = await withWebhook('60');
    suite.fake.setMode('down');
    await toggleFlag(sb, 'production', true);
    await until('the first attempt is recorded', async () => (await attemptsOf(sb, id)).flat().length === 1);
    const test = await sb.api('POST', `/api/v2/webhooks/${id}/test`);
    expect(test.body).toMatchObject({ ok: false });
    await new Promise((r) => setTimeout(r, 700));
    expect(suite.fake.received).toHaveLength(2); // the delivery's first try and the test, nothing more
  });
});
