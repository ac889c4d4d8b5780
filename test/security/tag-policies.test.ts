import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';
import { customRole, type Someone, someone } from './security-kit.js';

// Issue 13, finding 3: tag-based policies were checked against the tags a resource has after
// the change, so a patch could add the tag that grants a right, or remove the tag a deny is on,
// and use the right in the same patch.

let t: TestSwitchboard;
let sandboxer: Someone;
let unlocked: Someone;

beforeAll(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
  await t.api('POST', '/api/v2/flags/default', { key: 'payments', name: 'Payments' });
  await t.api('POST', '/api/v2/flags/default', { key: 'vault', name: 'Vault', tags: ['locked'] });
  await t.api('POST', '/api/v2/segments/default/test', { key: 'beta', name: 'Beta' });
  await customRole(t, 'sandbox-only', [
    { effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] },
    { effect: 'allow', resources: ['proj/default:env/*:flag/*;sandbox'], actions: ['*'] },
    { effect: 'allow', resources: ['proj/default:env/*:segment/*;sandbox'], actions: ['*'] },
  ]);
  await customRole(t, 'all-but-locked', [
    { effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] },
    { effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['*'] },
    { effect: 'deny', resources: ['proj/*:env/*:flag/*;locked'], actions: ['*'] },
  ]);
  sandboxer = await someone(t, 'sam', 'no_access', ['sandbox-only']);
  unlocked = await someone(t, 'una', 'no_access', ['all-but-locked']);
}, 60_000);
afterAll(async () => {
  await t.close();
});

describe('finding 3: rights are checked against the resource as it was before the change', () => {
  it('adding the granting tag and toggling in one JSON patch is refused', async () => {
    const before = await snapshot(t);
    const res = await t.api(
      'PATCH',
      '/api/v2/flags/default/payments',
      [
        { op: 'add', path: '/tags/-', value: 'sandbox' },
        { op: 'replace', path: '/environments/production/on', value: true },
      ],
      sandboxer.headers,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(await snapshot(t)).toBe(before);
  });

  it('adding the granting tag alone is refused too (updateTags on the flag as it was)', async () => {
    const res = await t.api(
      'PATCH',
      '/api/v2/flags/default/payments',
      { environmentKey: 'production', instructions: [{ kind: 'addTags', values: ['sandbox'] }] },
      { ...sandboxer.headers, 'content-type': 'application/json; domain-model=launchdarkly.semanticpatch' },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(403);
  });

  it('removing the denied tag and toggling in one patch is refused', async () => {
    const before = await snapshot(t);
    const res = await t.api(
      'PATCH',
      '/api/v2/flags/default/vault',
      [
        { op: 'replace', path: '/tags', value: [] },
        { op: 'replace', path: '/environments/production/on', value: true },
      ],
      unlocked.headers,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(await snapshot(t)).toBe(before);
  });

  it('a tag change is also checked against the tags after it', async () => {
    // Allowed on flags as they are, but not to put the locked tag on one.
    const res = await t.api(
      'PATCH',
      '/api/v2/flags/default/payments',
      [{ op: 'add', path: '/tags/-', value: 'locked' }],
      unlocked.headers,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    const fine = await t.api(
      'PATCH',
      '/api/v2/flags/default/payments',
      [{ op: 'add', path: '/tags/-', value: 'reviewed' }],
      unlocked.headers,
    );
    expect(fine.status, JSON.stringify(fine.body)).toBe(200);
  });

  it('the same holds for segments', async () => {
    const res = await t.api(
      'PATCH',
      '/api/v2/segments/default/test/beta',
      [
        { op: 'add', path: '/tags/-', value: 'sandbox' },
        { op: 'replace', path: '/description', value: 'mine now' },
      ],
      sandboxer.headers,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(403);
  });
});
