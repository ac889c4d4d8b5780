import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';
import { customRole, type Someone, someone } from './security-kit.js';

// Copying a flag's configuration between environments (issue 16, item 9) writes the target with
// the source's settings: a member who may only change `test` must not reach `production` that way,
// nor read a configuration out of an environment they have no right on, nor clone a flag a role
// keeps them from cloning.

let t: TestSwitchboard;
let tester: Someone;
let copier: Someone;
let reader: Someone;

const semantic = { 'content-type': 'application/json; domain-model=launchdarkly.semanticpatch' };

beforeAll(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
  await t.api('POST', '/api/v2/flags/default', { key: 'payments', name: 'Payments' });
  await t.api('POST', '/api/v2/flags/default', { key: 'vault', name: 'Vault', tags: ['locked'] });
  await t.api(
    'PATCH',
    '/api/v2/flags/default/payments',
    { environmentKey: 'test', instructions: [{ kind: 'turnFlagOn' }] },
    semantic,
  );
  await customRole(t, 'test-only', [
    { effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] },
    { effect: 'allow', resources: ['proj/default:env/test:flag/*'], actions: ['*'] },
  ]);
  await customRole(t, 'copy-to-production', [
    { effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] },
    { effect: 'allow', resources: ['proj/default:env/test:flag/*'], actions: ['copyFlagConfigTo'] },
    { effect: 'allow', resources: ['proj/default:env/production:flag/*'], actions: ['copyFlagConfigFrom'] },
    { effect: 'allow', resources: ['proj/default:env/*:flag/*'], actions: ['createFlag', 'cloneFlag'] },
    { effect: 'deny', resources: ['proj/default:env/*:flag/*;locked'], actions: ['cloneFlag'] },
  ]);
  tester = await someone(t, 'tess', 'no_access', ['test-only']);
  copier = await someone(t, 'cole', 'no_access', ['copy-to-production']);
  reader = await someone(t, 'rita', 'reader');
}, 60_000);
afterAll(async () => {
  await t.close();
});

const copy = (who: Someone, source: string, target: string, flag = 'payments') =>
  t.api(
    'POST',
    `/api/v2/flags/default/${flag}/copy`,
    { source: { key: source }, target: { key: target } },
    who.headers,
  );

describe('copying flag settings needs the rights on both environments', () => {
  it('a member who may only change test cannot copy test into production; nothing is written', async () => {
    const before = await snapshot(t);
    const res = await copy(tester, 'test', 'production');
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.message).toBe(
      'Not allowed: copyFlagConfigFrom on proj/default:env/production:flag/payments',
    );
    expect(await snapshot(t)).toBe(before);
    const flag = await t.api('GET', '/api/v2/flags/default/payments');
    expect(flag.body.environments.production.on).toBe(false);
  });

  it('nor copy production into test (the source needs copyFlagConfigTo)', async () => {
    const before = await snapshot(t);
    const res = await copy(tester, 'production', 'test');
    expect(res.status).toBe(403);
    expect(res.body.message).toBe(
      'Not allowed: copyFlagConfigTo on proj/default:env/production:flag/payments',
    );
    expect(await snapshot(t)).toBe(before);
  });

  it('a reader is refused even a copy that would change nothing', async () => {
    // As the owner, so that copying test into production again changes nothing.
    const made = await t.api('POST', '/api/v2/flags/default/payments/copy', {
      source: { key: 'test' },
      target: { key: 'production' },
    });
    expect(made.status).toBe(201);
    const before = await snapshot(t);
    const res = await copy(reader, 'test', 'production');
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('Not allowed: copyFlagConfigTo on proj/default:env/test:flag/payments');
    expect(await snapshot(t)).toBe(before);
  });

  it('with copyFlagConfigTo on the source and copyFlagConfigFrom on the target, the copy is made', async () => {
    const res = await copy(copier, 'test', 'production');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.environments.production.on).toBe(true);
    // The same member may not copy the other way.
    expect((await copy(copier, 'production', 'test')).status).toBe(403);
  });
});

describe('cloning needs createFlag on the new flag and cloneFlag on the original', () => {
  it('a member denied cloneFlag on locked flags cannot clone one; nothing is written', async () => {
    const before = await snapshot(t);
    const res = await t.api(
      'POST',
      '/api/v2/flags/default?clone=vault',
      { key: 'vault-2', name: 'Vault 2' },
      copier.headers,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.message).toContain('cloneFlag on proj/default:env/');
    expect(await snapshot(t)).toBe(before);
    const allowed = await t.api(
      'POST',
      '/api/v2/flags/default?clone=payments',
      { key: 'payments-2', name: 'Payments 2' },
      copier.headers,
    );
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(201);
  });

  it('a member who may only change test cannot clone (createFlag in production)', async () => {
    const before = await snapshot(t);
    const res = await t.api(
      'POST',
      '/api/v2/flags/default?clone=payments',
      { key: 'payments-3', name: 'Payments 3' },
      tester.headers,
    );
    expect(res.status).toBe(403);
    expect(await snapshot(t)).toBe(before);
  });
});
