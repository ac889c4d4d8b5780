import { init, type LDLogger } from '@launchdarkly/node-server-sdk';
import { EnvironmentsApi, FeatureFlagsApi, ProjectsApi } from 'launchdarkly-api-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectModel, type LdClientKit, startLdClientKit } from './ld-client-kit.js';

/**
 * Issue 16, item 9, as a migrating team's script drives it with LaunchDarkly's official client:
 * copying a flag's settings between environments, cloning a flag, and reading flag statuses after
 * LaunchDarkly's own Node server SDK has evaluated flags and posted its events. Each answer is
 * checked against the client's model. SQLite and (vitest.postgres.config.ts) PostgreSQL.
 */

let kit: LdClientKit;
let flags: FeatureFlagsApi;

beforeAll(async () => {
  kit = await startLdClientKit();
  flags = kit.api(FeatureFlagsApi);
  expect((await kit.api(ProjectsApi).postProject({ key: 'shop', name: 'Shop' })).status).toBe(201);
  for (const key of ['new-checkout', 'banner']) {
    const res = await flags.postFeatureFlag('shop', { key, name: key, tags: ['web'] });
    expect(res.status, JSON.stringify(res.data)).toBe(201);
  }
}, 60_000);
afterAll(async () => {
  await kit?.close();
});

describe('copyFeatureFlag', () => {
  it('copies test into production, with optimistic locking, as FeatureFlag', async () => {
    const on = await flags.patchFeatureFlag('shop', 'new-checkout', {
      patch: [
        { op: 'replace', path: '/environments/test/on', value: true },
        { op: 'add', path: '/environments/test/targets/-', value: { values: ['qa-1'], variation: 1 } },
      ],
      comment: 'QA',
    });
    expect(on.status, JSON.stringify(on.data)).toBe(200);
    const testVersion = on.data.environments?.test?.version;

    const copied = await flags.copyFeatureFlag('shop', 'new-checkout', {
      source: { key: 'test', currentVersion: testVersion },
      target: { key: 'production', currentVersion: 1 },
      comment: 'Promote what QA approved',
      excludedActions: ['updatePrerequisites'],
    });
    expect(copied.status, JSON.stringify(copied.data)).toBe(201);
    expectModel('FeatureFlag', copied.data);
    expect(copied.data.environments?.production?.on).toBe(true);

    // The same versions again are stale now: 409, as LaunchDarkly answers a lost optimistic lock.
    const stale = await flags.copyFeatureFlag('shop', 'new-checkout', {
      source: { key: 'test' },
      target: { key: 'production', currentVersion: 1 },
    });
    expect(stale.status).toBe(409);

    const partial = await flags.copyFeatureFlag('shop', 'banner', {
      source: { key: 'production' },
      target: { key: 'test' },
      includedActions: ['updateOn', 'updateFallthrough'],
    });
    expect(partial.status, JSON.stringify(partial.data)).toBe(201);
    expectModel('FeatureFlag', partial.data);
  });
});

describe('postFeatureFlag with clone', () => {
  it('creates the clone with the original targeting, as FeatureFlag', async () => {
    const res = await flags.postFeatureFlag(
      'shop',
      { key: 'new-checkout-v2', name: 'New checkout v2', description: 'The redesign' },
      'new-checkout',
    );
    expect(res.status, JSON.stringify(res.data)).toBe(201);
    expectModel('FeatureFlag', res.data);
    expect(res.data.key).toBe('new-checkout-v2');
    expect(res.data.tags).toEqual(['web']);
    expect(res.data.environments?.test?.on).toBe(true);
    expect(res.data.environments?.production?.on).toBe(true);
    const read = await flags.getFeatureFlag('shop', 'new-checkout-v2');
    expect(read.status).toBe(200);
    expectModel('FeatureFlag', read.data);
  });
});

describe('flag statuses from the official Node SDK evaluations', () => {
  it('new before any evaluation, active once the SDK has evaluated and flushed its events', async () => {
    const before = await flags.getFeatureFlagStatuses('shop', 'production');
    expect(before.status).toBe(200);
    expectModel('FeatureFlagStatuses', before.data);
    expect(before.data.items?.map((i) => i.name)).toEqual(['new', 'new', 'new']);

    const env = await kit.api(EnvironmentsApi).getEnvironment('shop', 'production');
    const problems: string[] = [];
    const logger: LDLogger = {
      error: (...args: unknown[]) => problems.push(args.join(' ')),
      warn: (...args: unknown[]) => problems.push(args.join(' ')),
      info: () => undefined,
      debug: () => undefined,
    };
    const client = init(env.data.apiKey, {
      stream: false,
      sendEvents: true,
      baseUri: kit.baseUrl,
      streamUri: kit.baseUrl,
      eventsUri: kit.baseUrl,
      logger,
    });
    try {
      await client.waitForInitialization({ timeout: 10 });
      expect(await client.variation('new-checkout', { kind: 'user', key: 'ann' }, false)).toBe(true);
      await client.flush();
    } finally {
      client.close();
    }
    expect(problems).toEqual([]);

    // Counting is off the request path (flushed about every second).
    const deadline = Date.now() + 10_000;
    let one = await flags.getFeatureFlagStatus('shop', 'production', 'new-checkout');
    while (one.data.name !== 'active' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      one = await flags.getFeatureFlagStatus('shop', 'production', 'new-checkout');
    }
    expect(one.status).toBe(200);
    expectModel('FlagStatusRep', one.data);
    // Created less than seven days ago and requested: active (launched needs a week unchanged).
    expect(one.data.name).toBe('active');
    expect(Date.parse(one.data.lastRequested ?? '')).toBeGreaterThan(Date.now() - 60_000);

    const all = await flags.getFeatureFlagStatuses('shop', 'production');
    expectModel('FeatureFlagStatuses', all.data);
    expect(all.data.items?.find((i) => i._links.self?.href?.endsWith('/new-checkout'))?.name).toBe('active');
    expect(all.data.items?.find((i) => i._links.self?.href?.endsWith('/banner'))?.name).toBe('new');

    const across = await flags.getFeatureFlagStatusAcrossEnvironments('shop', 'new-checkout');
    expect(across.status).toBe(200);
    expectModel('FeatureFlagStatusAcrossEnvironments', across.data);
    expect(across.data.environments.production?.name).toBe('active');
    expect(across.data.environments.test?.name).toBe('new');
    const onlyTest = await flags.getFeatureFlagStatusAcrossEnvironments('shop', 'new-checkout', 'test');
    expect(Object.keys(onlyTest.data.environments)).toEqual(['test']);
  });
});
