import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';
import { testOnlyToken } from '../helpers/tokens.js';

/** An environment with requireComments takes no flag change without a comment (LaunchDarkly: 400). */

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
  expect((await t.api('POST', '/api/v2/projects', { key: 'shop', name: 'Shop' })).status).toBe(201);
  expect((await t.api('POST', '/api/v2/flags/shop', { key: 'checkout', name: 'Checkout' })).status).toBe(201);
  const strict = await t.api('PATCH', '/api/v2/projects/shop/environments/production', [
    { op: 'replace', path: '/requireComments', value: true },
  ]);
  expect(strict.status).toBe(200);
});
afterEach(async () => {
  await t.close();
});

const path = '/api/v2/flags/shop/checkout';
const turnOn = (env: string) => [{ op: 'replace', path: `/environments/${env}/on`, value: true }];
const semantic = { 'content-type': 'application/json; domain-model=launchdarkly.semanticpatch' };

describe('a flag change in an environment that requires comments', () => {
  it('is refused without a comment, naming the environment at /comment, and writes nothing', async () => {
    // On in test, so that copying test's switch into production would change something.
    expect((await t.api('PATCH', path, turnOn('test'))).status).toBe(200);
    const before = await snapshot(t);
    const refusals = [
      await t.api('PATCH', path, turnOn('production')),
      await t.api('PATCH', path, { patch: turnOn('production'), comment: '   ' }),
      await t.api('PATCH', path, { merge: { environments: { production: { on: true } } } }),
      await t.api(
        'PATCH',
        path,
        { environmentKey: 'production', instructions: [{ kind: 'turnFlagOn' }] },
        semantic,
      ),
      await t.api('POST', `${path}/copy`, {
        source: { key: 'test' },
        target: { key: 'production' },
        includedActions: ['updateOn'],
      }),
    ];
    for (const refused of refusals) {
      expect(refused.status, JSON.stringify(refused.body)).toBe(400);
      expect(refused.body.message).toContain('/comment');
      expect(refused.body.message).toContain('Production requires a comment with every change');
    }
    expect(await snapshot(t)).toBe(before);
  });

  it('is made with a comment, which the audit entry carries', async () => {
    const made = await t.api('PATCH', path, { patch: turnOn('production'), comment: 'Launch day' });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect(made.body.environments.production.on).toBe(true);
    const audit = await t.api('GET', '/api/v2/auditlog?spec=proj/shop:env/production:flag/checkout');
    expect(audit.body.items[0].comment).toBe('Launch day');
  });

  it('leaves other environments, dry runs and changes that change nothing alone', async () => {
    expect((await t.api('PATCH', path, turnOn('test'))).status).toBe(200);
    expect((await t.api('PATCH', `${path}?dryRun=true`, turnOn('production'))).status).toBe(200);
    // Already off in production: nothing is written, so nothing needs explaining.
    const same = [{ op: 'replace', path: '/environments/production/on', value: false }];
    expect((await t.api('PATCH', path, same)).status).toBe(200);
  });

  it('tells someone who may not make the change that first', async () => {
    const token = await testOnlyToken(t);
    const denied = await t.api('PATCH', path, turnOn('production'), { authorization: token });
    expect(denied.status, JSON.stringify(denied.body)).toBe(403);
  });
});
