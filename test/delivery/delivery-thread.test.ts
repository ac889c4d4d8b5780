import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { DeliveryThread } from '../../src/delivery-thread.js';
import { DeliveryWorker } from '../../src/features/delivery/delivery-worker.js';
import { type TestSwitchboard, testDialect } from '../helpers/test-switchboard.js';
import { until } from '../helpers/until.js';
import { flagArrivals, startWithFlag, startWithWebhook, toggleFlag, webhookSuite } from './delivery-kit.js';

/**
 * On a SQLite file the delivery worker runs in a thread of its own, with its own connection
 * (src/delivery-thread.ts): the API's event loop no longer paces its sends. The thread must
 * deliver what the API's thread commits, in commit order, and come back after it dies.
 */

const suite = webhookSuite();
const flags = ['checkout', 'f2', 'f3', 'f4'];

const arrivals = () => flagArrivals(suite.fake);
const start = () => startWithWebhook(suite, flags.slice(1), { deliveryThread: true });

/** The audit entries queued for delivery, in commit order (deliveries are numbered as committed). */
async function committed(sb: TestSwitchboard): Promise<string[]> {
  const rows = await sb.switchboard.database.db
    .selectFrom('deliveries')
    .select('audit_id')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.audit_id);
}

describe.skipIf(testDialect !== 'sqlite')('the delivery thread (SQLite file)', () => {
  it('delivers changes committed by the API in commit order, from a thread of its own', {
    timeout: 60_000,
  }, async () => {
    const sb = await start();
    const { worker } = sb.switchboard;
    expect(worker).toBeInstanceOf(DeliveryThread);
    expect((worker as DeliveryThread).threadId).toBeDefined();
    expect((worker as DeliveryThread).threadId).not.toBe(threadId);
    // Bursts of concurrent changes: group commits on one connection while the thread records
    // its sends on the other.
    for (let round = 1; round <= 10; round++) {
      await Promise.all(flags.map((flag) => toggleFlag(sb, 'production', round % 2 === 1, flag)));
    }
    await until('every change arrived', () => arrivals().length >= 40, 20_000);
    expect(arrivals()).toEqual(await committed(sb));
    await sb.settle();
  });

  it('is started again after it dies, and delivers what was queued meanwhile', {
    timeout: 60_000,
  }, async () => {
    const sb = await start();
    const thread = sb.switchboard.worker as DeliveryThread;
    await toggleFlag(sb, 'production', true);
    await until('the first change arrived', () => arrivals().length === 1, 10_000);
    const first = thread.threadId;
    await thread.terminate();
    await toggleFlag(sb, 'production', true, 'f2');
    await toggleFlag(sb, 'production', true, 'f3');
    await until('the changes made while it was down arrived', () => arrivals().length === 3, 20_000);
    expect(thread.threadId).toBeDefined();
    expect(thread.threadId).not.toBe(first);
    expect(arrivals()).toEqual(await committed(sb));
  });

  it('stops with the server: its sends finish and the thread ends', async () => {
    const sb = await start();
    const thread = sb.switchboard.worker as DeliveryThread;
    await toggleFlag(sb, 'production', true);
    await sb.close();
    suite.t = undefined;
    expect(thread.threadId).toBeUndefined();
  });

  it('refuses to start, once, when the thread cannot open its database', async () => {
    // Its directory would be inside a file.
    const file = join(mkdtempSync(join(tmpdir(), 'switchboard-thread-')), 'not-a-directory');
    writeFileSync(file, '');
    const config = loadConfig({
      SWITCHBOARD_DATABASE_URL: `sqlite:${file}/switchboard.db`,
      SWITCHBOARD_SECRET_KEY: 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=',
    });
    const logged: string[] = [];
    const thread = new DeliveryThread(
      {
        config,
        baseUrl: config.baseUrl,
        logLevel: 'silent',
        timeouts: undefined,
        pollMs: undefined,
        writeTurns: undefined,
      },
      pino({ level: 'error' }, { write: (line: string) => logged.push(line) }),
    );
    await expect(thread.start()).rejects.toThrow(/delivery thread/);
    // Not started again and again in the background after a start that failed.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(logged.filter((line) => line.includes('starting it again'))).toEqual([]);
    await thread.stop();
  });

  it('stays on the API event loop when told to (or when a test clock drives it)', async () => {
    const told = await startWithFlag({}, { deliveryThread: false });
    suite.t = told;
    expect(told.switchboard.worker).toBeInstanceOf(DeliveryWorker);
    await told.close();
    // A test's clock cannot cross into a thread, even when the thread is asked for.
    const clocked = await startWithFlag({}, { deliveryThread: true, clock: () => Date.now() });
    suite.t = clocked;
    expect(clocked.switchboard.worker).toBeInstanceOf(DeliveryWorker);
  });
});
