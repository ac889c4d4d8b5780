import { afterEach, expect, it } from 'vitest';
import {
  freshPostgresDatabase,
  startTestSwitchboard,
  type TestSwitchboard,
} from '../helpers/test-switchboard.js';

/**
 * Several API processes on one PostgreSQL database answer one token's requests: the REST limit
 * is the token's, whichever process answers. With each process counting alone, a token had the
 * limit once per process (two processes: twice the requests).
 */

const started: TestSwitchboard[] = [];
let drop: (() => Promise<void>) | undefined;

afterEach(async () => {
  for (const sb of started.splice(0)) await sb.close();
  await drop?.();
});

/** The status of each of `count` reads of the project list, one after another. */
async function reads(sb: TestSwitchboard, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await sb.api('GET', '/api/v2/projects')).status);
  return statuses;
}

const settle = () => new Promise((r) => setTimeout(r, 600));

it('one token has the limit across two API processes, not once per process', {
  timeout: 30_000,
}, async () => {
  const database = await freshPostgresDatabase();
  drop = database.drop;
  const env = {
    SWITCHBOARD_DATABASE_URL: database.url,
    SWITCHBOARD_API_RATE_LIMIT: '12',
    SWITCHBOARD_ROLE: 'api',
  };
  const first = await startTestSwitchboard(env);
  started.push(first);
  const second = await startTestSwitchboard(env);
  started.push(second);
  // A fresh window for the token: the set-up's own requests are a window ago.
  await new Promise((r) => setTimeout(r, 10_000));

  const reset = (await first.api('GET', '/api/v2/projects')).headers['x-ratelimit-reset'];
  const one = await reads(first, 7);
  expect(one).toEqual(Array(7).fill(200));
  await settle(); // both processes have reported what they counted
  const two = await reads(second, 8);
  // The second process starts from the first one's eight: four more, then 429.
  expect(two).toEqual([...Array(4).fill(200), ...Array(4).fill(429)]);
  const refused = await second.api('GET', '/api/v2/projects');
  expect(refused.headers['x-ratelimit-global-remaining']).toBe('0');
  // One window, ending when the first process said it would.
  expect(refused.headers['x-ratelimit-reset']).toBe(reset);
  await settle();
  // The first process hears of the second one's four with its next report: within a report's
  // time (`rateReportEveryMs`) it refuses too.
  await reads(first, 1);
  await settle();
  expect(await reads(first, 2)).toEqual([429, 429]);
});
