import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

// Issue 16, item 8: the maintainer and a variation's name, description and value are set with
// plain JSON patch as scripts written for LaunchDarkly do (`replace` of a field not yet set too).

let t: TestSwitchboard;
const flagUrl = '/api/v2/flags/default/checkout';

beforeEach(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default project' });
  const res = await t.api('POST', '/api/v2/flags/default', {
    key: 'checkout',
    name: 'Checkout',
    variations: [{ value: 'red' }, { value: 'green' }],
  });
  expect(res.status).toBe(201);
});
afterEach(async () => {
  await t.close();
});

async function latestAudit() {
  const list = await t.api('GET', '/api/v2/auditlog?limit=1');
  return (await t.api('GET', `/api/v2/auditlog/${list.body.items[0]._id}`)).body;
}

describe('JSON patch of the maintainer and variations', () => {
  it('sets the maintainer to a member, with replace or add, audited as updateMaintainer', async () => {
    const me = (await t.api('GET', '/api/v2/members/me')).body._id;
    let res = await t.api('PATCH', flagUrl, [{ op: 'replace', path: '/maintainerId', value: me }]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.maintainerId).toBe(me);
    expect((await latestAudit()).accesses.map((a: { action: string }) => a.action)).toContain(
      'updateMaintainer',
    );
    res = await t.api('PATCH', flagUrl, { patch: [{ op: 'remove', path: '/maintainerId' }] });
    expect(res.status).toBe(200);
    expect(res.body.maintainerId).toBeUndefined();
    res = await t.api('PATCH', flagUrl, [{ op: 'add', path: '/maintainerId', value: me }]);
    expect(res.body.maintainerId).toBe(me);
  });

  it('refuses a maintainer who is not a member, at create and at patch, changing nothing', async () => {
    const before = await snapshot(t);
    const res = await t.api('PATCH', flagUrl, [
      { op: 'replace', path: '/maintainerId', value: 'aaaaaaaaaaaaaaaaaaaaaaaa' },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].pointer).toBe('/maintainerId');
    const created = await t.api('POST', '/api/v2/flags/default', {
      key: 'other',
      name: 'Other',
      maintainerId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
    });
    expect(created.status).toBe(400);
    expect(created.body.errors[0].pointer).toBe('/maintainerId');
    expect(await snapshot(t)).toBe(before);
  });

  it('names, describes and changes a variation value, keeping the flag one type', async () => {
    const res = await t.api('PATCH', flagUrl, [
      { op: 'replace', path: '/variations/0/name', value: 'Red' },
      { op: 'replace', path: '/variations/0/description', value: 'The old colour' },
      { op: 'replace', path: '/variations/1/value', value: 'lime' },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.variations.map((v: Record<string, unknown>) => [v.value, v.name, v.description])).toEqual(
      [
        ['red', 'Red', 'The old colour'],
        ['lime', undefined, undefined],
      ],
    );
    expect(res.body.environments.production.version).toBe(2);

    const before = await snapshot(t);
    const cases: [unknown[], string][] = [
      [[{ op: 'replace', path: '/variations/1/value', value: 7 }], '/variations/1/value'],
      [[{ op: 'replace', path: '/variations/1/value', value: 'red' }], '/variations/1/value'],
      [[{ op: 'replace', path: '/variations/1/name', value: 'x'.repeat(300) }], '/variations/1/name'],
      [[{ op: 'replace', path: '/variations/5/name', value: 'Ghost' }], '/patch/0/path'],
    ];
    for (const [ops, pointer] of cases) {
      const bad = await t.api('PATCH', flagUrl, ops);
      expect(bad.status, JSON.stringify(ops)).toBe(400);
      expect(bad.body.message, JSON.stringify(ops)).toContain(pointer);
    }
    expect(await snapshot(t)).toBe(before);
  });
});
