import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
  expect((await t.api('POST', '/api/v2/projects', { key: 'shop', name: 'Shop' })).status).toBe(201);
});
afterEach(async () => {
  await t.close();
});

describe('a project read as LaunchDarkly answers it', () => {
  it('has its environments only with expand=environments, as a page', async () => {
    const plain = await t.api('GET', '/api/v2/projects/shop');
    expect(plain.status).toBe(200);
    expect(plain.body).not.toHaveProperty('environments');
    const expanded = await t.api('GET', '/api/v2/projects/shop?expand=environments');
    expect(expanded.body.environments).toMatchObject({
      totalCount: 2,
      _links: { self: { href: '/api/v2/projects/shop/environments' } },
    });
    expect(expanded.body.environments.items.map((e: { key: string }) => e.key)).toEqual([
      'production',
      'test',
    ]);
    const list = await t.api('GET', '/api/v2/projects?expand=environments');
    expect(list.body.items[0].environments.totalCount).toBe(2);
    expect((await t.api('GET', '/api/v2/projects')).body.items[0]).not.toHaveProperty('environments');
  });

  it('refuses to expand what it does not have, naming it', async () => {
    const res = await t.api('GET', '/api/v2/projects/shop?expand=flags');
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('/expand');
    expect(res.body.message).toContain('flags');
  });

  it('lists expand in the OpenAPI document', async () => {
    const doc = (await t.api('GET', '/api/v2/openapi.json')).body;
    const params = doc.paths['/api/v2/projects/{projectKey}'].get.parameters.map(
      (p: { name: string }) => p.name,
    );
    expect(params).toContain('expand');
  });
});

describe('an environment is critical or not', () => {
  it('is not critical unless created so, and a patch changes it with its own audit action', async () => {
    const made = await t.api('POST', '/api/v2/projects/shop/environments', {
      key: 'live',
      name: 'Live',
      color: '00AA00',
      critical: true,
    });
    expect(made.status).toBe(201);
    expect(made.body.critical).toBe(true);
    expect((await t.api('GET', '/api/v2/projects/shop/environments/test')).body.critical).toBe(false);

    const patched = await t.api('PATCH', '/api/v2/projects/shop/environments/test', [
      { op: 'replace', path: '/critical', value: true },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body.critical).toBe(true);
    const entry = (await t.api('GET', '/api/v2/auditlog?limit=1')).body.items[0];
    expect(entry.accesses).toEqual([{ action: 'updateCritical', resource: 'proj/shop:env/test' }]);
    const bad = await t.api('PATCH', '/api/v2/projects/shop/environments/test', [
      { op: 'replace', path: '/critical', value: 'yes' },
    ]);
    expect(bad.status).toBe(400);
  });
});
