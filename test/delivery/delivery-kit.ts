import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { BuildOptions } from '../../src/composition-root.js';
import { FakeWebhook } from '../helpers/fake-webhook.js';
import { type ApiResponse, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

/** What the delivery suites share: a Switchboard with a flag to toggle, and what they check with it. */

/** Retries 0.2 s apart, so a test sees a delivery through an outage of a few seconds. */
export const quickRetries = ['0', ...Array.from({ length: 19 }, () => '0.2')].join(',');

/** policy.md's first example: production flags only. */
export const productionFlags = [
  { effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] },
];

/** A Switchboard (private targets allowed, quick retries, `env` on top) with `default/checkout`. */
export async function startWithFlag(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<TestSwitchboard> {
  const t = await startTestSwitchboard(
    { SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true', SWITCHBOARD_RETRY_SCHEDULE: quickRetries, ...env },
    options,
  );
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
  await t.api('POST', '/api/v2/flags/default', { key: 'checkout', name: 'Checkout' });
  return t;
}

/** Turns a flag on or off in one environment; the change must be accepted. */
export async function toggleFlag(
  t: TestSwitchboard,
  env: string,
  on: boolean,
  flag = 'checkout',
): Promise<void> {
  const res = await t.api('PATCH', `/api/v2/flags/default/${flag}`, [
    { op: 'replace', path: `/environments/${env}/on`, value: on },
  ]);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** POSTs `body` to `path` (an integration or webhook collection); it must be created. */
export async function postCreated(
  t: TestSwitchboard,
  path: string,
  body: unknown,
): Promise<ApiResponse['body']> {
  const res = await t.api('POST', path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/**
 * Everything the API shows about an integration: `paths` (its list, itself, its deliveries) and
 * the details of the last 20 audit entries, as one text to search for secrets.
 */
export async function shownByApi(t: TestSwitchboard, paths: readonly string[]): Promise<string> {
  const entries: { _id: string }[] = (await t.api('GET', '/api/v2/auditlog?limit=20')).body.items;
  const answers = await Promise.all([
    ...paths.map((p) => t.api('GET', p)),
    ...entries.map((e) => t.api('GET', `/api/v2/auditlog/${e._id}`)),
  ]);
  return answers.map((r) => JSON.stringify(r.body)).join('\n');
}

/** Each flag notification the receiver got, by its audit entry id, in arrival order. */
export function flagArrivals(fake: FakeWebhook): string[] {
  return fake.deliveredFlagChanges().map((e) => e._id);
}

/**
 * `startWithFlag`, then a flag for each of `moreFlags` and a webhook to the suite's receiver for
 * production flag changes; the suite closes it after the test.
 */
export async function startWithWebhook(
  suite: WebhookSuite,
  moreFlags: readonly string[],
  options: BuildOptions = {},
): Promise<TestSwitchboard> {
  const sb = await startWithFlag({}, options);
  suite.t = sb;
  for (const key of moreFlags) await sb.api('POST', '/api/v2/flags/default', { key, name: key });
  await postCreated(sb, '/api/v2/webhooks', {
    url: suite.fake.url,
    sign: false,
    statements: productionFlags,
  });
  return sb;
}

/** A suite's webhook receiver, and the Switchboard each of its tests starts (`suite.t = …`). */
export interface WebhookSuite {
  fake: FakeWebhook;
  t: TestSwitchboard | undefined;
}

/**
 * One receiver for the whole file; after each test its Switchboard is closed and the receiver
 * reset. Call at the top of a test file.
 */
export function webhookSuite(): WebhookSuite {
  const suite = { t: undefined } as WebhookSuite;
  beforeAll(async () => {
    suite.fake = await FakeWebhook.start();
  });
  afterAll(async () => {
    await suite.fake.close();
  });
  afterEach(async () => {
    await suite.t?.close();
    suite.t = undefined;
    suite.fake.reset();
  });
  return suite;
}
