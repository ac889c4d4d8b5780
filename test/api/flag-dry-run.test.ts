import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';
import { testOnlyToken } from '../helpers/tokens.js';

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
  expect((await t.api('POST', '/api/v2/projects', { key: 'shop', name: 'Shop' })).status).toBe(201);
  expect((await t.api('POST', '/api/v2/flags/shop', { key: 'checkout', name: 'Checkout' })).status).toBe(201);
  // Every change to a flag would be delivered here: a dry run must queue nothing.
  const hook = await t.api('POST', '/api/v2/webhooks', {
    url: 'https://hooks.example.com/flags',
    sign: false,
    on: true,
    statements: [{ effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['*'] }],
  });
  expect(hook.status, JSON.stringify(hook.body)).toBe(201);
});
afterEach(async () => {
  await t.close();
});

const path = '/api/v2/flags/shop/checkout';
const semantic = { 'content-type': 'application/json; domain-model=launchdarkly.semanticpatch' };

async function auditCount(): Promise<number> {
  const rows = await t.switchboard.database.db.selectFrom('audit_entries').select('id').execute();
  return rows.length;
}

async function deliveryCount(): Promise<number> {
  const rows = await t.switchboard.database.db.selectFrom('deliveries').select('id').execute();
  return rows.length;
}

async function sdkVersion(): Promise<number> {
  const env = await t.api('GET', '/api/v2/projects/shop/environments/production');
  const polled = await t.switchboard.app.inject({
    method: 'GET',
    url: '/sdk/latest-all',
    headers: { authorization: env.body.apiKey },
  });
  return JSON.parse(polled.body).flags.checkout.version;
}

describe('PATCH a flag with dryRun=true', () => {
  it('answers the flag as it would be and writes, audits, notifies and publishes nothing', async () => {
    const before = await snapshot(t);
    const [audits, deliveries, version] = [await auditCount(), await deliveryCount(), await sdkVersion()];
    const stored = (await t.api('GET', path)).body;

    const bodies: [unknown, Record<string, string> | undefined][] = [
      [[{ op: 'replace', path: '/environments/production/on', value: true }], undefined],
      [{ merge: { environments: { production: { on: true } } }, comment: 'try' }, undefined],
      [{ environments: { production: { on: true } } }, { 'content-type': 'application/merge-patch+json' }],
      [{ environmentKey: 'production', instructions: [{ kind: 'turnFlagOn' }] }, semantic],
    ];
    for (const [body, headers] of bodies) {
      const res = await t.api('PATCH', `${path}?dryRun=true`, body, headers);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.environments.production).toMatchObject({ on: true, version: 2 });
      expect(res.body._version).toBe(stored._version + 1);
      expect(res.body.environments.production.sel).not.toBe(stored.environments.production.sel);
    }
    expect((await t.api('GET', path)).body).toEqual(stored);
    expect(await auditCount()).toBe(audits);
    expect(await deliveryCount()).toBe(deliveries);
    expect(await sdkVersion()).toBe(version);
    expect(await snapshot(t)).toBe(before);

    // The same request without dryRun does all of it: the counters above can move.
    const real = await t.api('PATCH', path, [
      { op: 'replace', path: '/environments/production/on', value: true },
    ]);
    expect(real.status).toBe(200);
    expect(await auditCount()).toBe(audits + 1);
    expect(await deliveryCount()).toBe(deliveries + 1);
    expect(await sdkVersion()).toBe(version + 1);
  });

  it('answers the errors a real PATCH would, and still writes nothing', async () => {
    const before = await snapshot(t);
    for (const dryRun of ['?dryRun=true', '']) {
      const bad = await t.api('PATCH', `${path}${dryRun}`, [
        { op: 'replace', path: '/environments/production/offVariation', value: 7 },
      ]);
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('/environments/production/offVariation');
      const readOnly = await t.api('PATCH', `${path}${dryRun}`, { merge: { key: 'other' } });
      expect(readOnly.status).toBe(400);
      expect(readOnly.body.message).toContain('/key');
      const stale = await t.api('PATCH', `${path}${dryRun}`, [
        { op: 'test', path: '/_version', value: 9 },
        { op: 'replace', path: '/name', value: 'x' },
      ]);
      expect(stale.status).toBe(409);
      const missing = await t.api('PATCH', `/api/v2/flags/shop/nope${dryRun}`, [
        { op: 'replace', path: '/name', value: 'x' },
      ]);
      expect(missing.status).toBe(404);
    }
    expect((await t.api('PATCH', `${path}?dryRun=maybe`, [])).status).toBe(400);
    expect(await snapshot(t)).toBe(before);
  });

  it('is refused to whoever may not make the change, as the change would be', async () => {
    const token = await testOnlyToken(t);
    const headers = { authorization: token };
    const before = await snapshot(t);
    const denied = await t.api(
      'PATCH',
      `${path}?dryRun=true`,
      [{ op: 'replace', path: '/environments/production/on', value: true }],
      headers,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('updateOn');
    const allowed = await t.api(
      'PATCH',
      `${path}?dryRun=true`,
      [{ op: 'replace', path: '/environments/test/on', value: true }],
      headers,
    );
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
    expect(await snapshot(t)).toBe(before);
  });

  it('is a parameter of the operation in the OpenAPI document', async () => {
    const doc = (await t.api('GET', '/api/v2/openapi.json')).body;
    const parameters = doc.paths['/api/v2/flags/{projectKey}/{flagKey}'].patch.parameters as {
      name: string;
    }[];
    expect(parameters.map((p) => p.name)).toContain('dryRun');
  });
});

describe('JSON merge patch on a flag', () => {
  it('changes what it names, through the same checks and audit as JSON Patch', async () => {
    const res = await t.api('PATCH', path, {
      merge: { description: 'New checkout', environments: { test: { on: true } } },
      comment: 'launch in test',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ description: 'New checkout', environments: { test: { on: true } } });
    expect(res.body.environments.production.on).toBe(false);
    const entry = (await t.api('GET', '/api/v2/auditlog?limit=1')).body.items[0];
    expect(entry.comment).toBe('launch in test');
    const before = await snapshot(t);
    for (const [merge, pointer] of [
      [{ environments: { test: { version: 99 } } }, '/environments/test/version'],
      [{ environments: { test: { sel: 'x' } } }, '/environments/test/sel'],
      [{ environments: { staging: { on: true } } }, '/environments/staging'],
      [{ experiments: { baselineIdx: 1, items: [] } }, '/experiments'],
      [{ creationDate: 1 }, '/creationDate'],
    ] as const) {
      const refused = await t.api('PATCH', path, { merge });
      expect(refused.status, JSON.stringify(merge)).toBe(400);
      expect(refused.body.message).toContain(pointer);
    }
    expect(await snapshot(t)).toBe(before);
  });
});
