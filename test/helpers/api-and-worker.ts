import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { FakeWebhook } from './fake-webhook.js';
import { freshPostgresDatabase, startTestSwitchboard, type TestSwitchboard } from './test-switchboard.js';

export interface ApiAndWorker {
  readonly url: string;
  readonly api: TestSwitchboard;
  readonly worker: TestSwitchboard;
  /** The webhook's id. */
  readonly webhookId: string;
  /** Toggles the flag `checkout` in production through the API. */
  toggle(on: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * An API and a delivery worker as two processes would be, each a Switchboard with its own pool
 * on one new PostgreSQL database: the worker hears the API's changes by NOTIFY only, its
 * fallback poll a minute away. A project `default` with a flag `checkout`, and a webhook to
 * `fake` for flag changes in production. `env` is added to both.
 */
export async function startApiAndWorker(
  fake: FakeWebhook,
  env: Record<string, string> = {},
  workerEnv: Record<string, string> = {},
): Promise<ApiAndWorker> {
  const { url, drop } = await freshPostgresDatabase();
  const common = { SWITCHBOARD_DATABASE_URL: url, SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true', ...env };
  const started: TestSwitchboard[] = [];
  const close = async () => {
    for (const sb of started) await sb.close();
    await drop();
  };
  try {
    const api = await startTestSwitchboard({ ...common, SWITCHBOARD_ROLE: 'api' });
    started.push(api);
    const worker = await startTestSwitchboard(
      { ...common, ...workerEnv, SWITCHBOARD_ROLE: 'worker' },
      { deliveryPollMs: 60_000 },
    );
    started.push(worker);
    await api.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
    await api.api('POST', '/api/v2/flags/default', { key: 'checkout', name: 'Checkout' });
    const webhook = await api.api('POST', '/api/v2/webhooks', {
      url: fake.url,
      sign: false,
      statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
    });
    expect(webhook.status).toBe(201);
    const toggle = async (on: boolean) => {
      const res = await api.api('PATCH', '/api/v2/flags/default/checkout', [
        { op: 'replace', path: '/environments/production/on', value: on },
      ]);
      expect(res.status).toBe(200);
    };
    return { url, api, worker, webhookId: webhook.body._id as string, toggle, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** How many flag changes `fake` has received. */
export const flagNotices = (fake: FakeWebhook): number => fake.deliveredFlagChanges().length;

/** A file's fake webhook, and the API and worker of its current test (closed after each). */
export interface ApiAndWorkerSuite {
  readonly fake: FakeWebhook;
  start(env?: Record<string, string>, workerEnv?: Record<string, string>): Promise<ApiAndWorker>;
}

/**
 * Registers the hooks of a file whose tests each start an API and a worker (`startApiAndWorker`)
 * against one fake webhook; the fake is back up and empty for the next test.
 */
export function apiAndWorkerSuite(): ApiAndWorkerSuite {
  let fake: FakeWebhook | undefined;
  let nodes: ApiAndWorker | undefined;
  beforeAll(async () => {
    fake = await FakeWebhook.start();
  });
  afterEach(async () => {
    await nodes?.close();
    nodes = undefined;
    fake?.setMode('up');
    fake?.reset();
  });
  afterAll(async () => {
    await fake?.close();
  });
  return {
    get fake() {
      if (fake === undefined) throw new Error('the fake webhook starts in beforeAll');
      return fake;
    },
    async start(env = {}, workerEnv = {}) {
      nodes = await startApiAndWorker(this.fake, env, workerEnv);
      return nodes;
    },
  };
}
