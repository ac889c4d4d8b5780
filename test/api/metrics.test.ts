import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;
beforeEach(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default', tags: ['web'] });
});
afterEach(async () => {
  await t.close();
});

async function latestAudit() {
  const list = await t.api('GET', '/api/v2/auditlog?limit=1');
  return (await t.api('GET', `/api/v2/auditlog/${list.body.items[0]._id}`)).body;
}

const base = '/api/v2/metrics/default';
const resource = 'proj/default:metric/signups';

async function createSignups(extra: Record<string, unknown> = {}) {
  const res = await t.api('POST', base, {
    key: 'signups',
    name: 'Signups',
    kind: 'custom',
    eventKey: 'signup',
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function ownerId(): Promise<string> {
  const row = await t.switchboard.database.db.selectFrom('members').select('id').executeTakeFirstOrThrow();
  return row.id;
}

describe('metrics', () => {
  it('creates a custom metric with its audit entry, reads and lists it', async () => {
    const created = await t.api('POST', base, {
      key: 'signups',
      name: 'Signups',
      kind: 'custom',
      eventKey: 'signup',
      tags: ['growth'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      key: 'signups',
      name: 'Signups',
      description: '',
      kind: 'custom',
      eventKey: 'signup',
      isNumeric: false,
      tags: ['growth'],
      _version: 1,
      _links: { self: { href: `${base}/signups` } },
    });
    expect(created.body._id).toMatch(/^[0-9a-f]{24}$/);
    expect(created.body).not.toHaveProperty('urls');

    const entry = await latestAudit();
    expect(entry.kind).toBe('metric');
    expect(entry.accesses).toEqual([{ action: 'createMetric', resource }]);
    expect(entry.title).toBe(
      '[ariel@acme.com](mailto:ariel@acme.com) created the metric ' +
        '[Signups](https://flags.example.com/default/metrics/signups)',
    );
    expect(entry.description).toBe(
      '- Created a custom metric tracking the event *signup* in the project *Default*',
    );
    expect(entry.parent).toEqual({ name: 'Default', resource: 'proj/default' });
    expect(entry._links.site.href).toBe('/default/metrics/signups');

    expect((await t.api('GET', `${base}/signups`)).body).toEqual(created.body);
    const list = await t.api('GET', base);
    expect(list.body).toMatchObject({ totalCount: 1, items: [{ key: 'signups' }] });
  });

  it('creates page view and click metrics, naming them after their key by default', async () => {
    const pageview = await t.api('POST', base, {
      key: 'pricing-visits',
      kind: 'pageview',
      urls: [
        { kind: 'exact', url: 'https://acme.com/pricing' },
        { kind: 'regex', pattern: '^https://acme\\.com/plans/.*' },
      ],
    });
    expect(pageview.status).toBe(201);
    expect(pageview.body).toMatchObject({ name: 'pricing-visits', kind: 'pageview' });
    expect((await latestAudit()).description).toBe('- Created a page view metric in the project *Default*');

    const click = await t.api('POST', base, {
      key: 'buy-clicks',
      name: 'Buy clicks',
      kind: 'click',
      selector: 'button.buy',
      urls: [{ kind: 'substring', substring: '/checkout' }],
    });
    expect(click.status).toBe(201);
    expect(click.body).toMatchObject({ selector: 'button.buy', urls: [{ kind: 'substring' }] });
    expect((await t.api('GET', base)).body.items.map((m: { key: string }) => m.key)).toEqual([
      'pricing-visits',
      'buy-clicks',
    ]);
  });

  it('updates a custom metric field by field with the documented actions', async () => {
    await createSignups({ tags: ['growth'] });
    const owner = await ownerId();
    const patched = await t.api('PATCH', `${base}/signups`, [
      { op: 'replace', path: '/name', value: 'Sign-ups' },
      { op: 'replace', path: '/description', value: 'New accounts' },
      { op: 'replace', path: '/eventKey', value: 'account-created' },
      { op: 'add', path: '/tags/-', value: 'kpi' },
      { op: 'replace', path: '/isNumeric', value: true },
      { op: 'add', path: '/unit', value: 'accounts' },
      { op: 'add', path: '/maintainerId', value: owner },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Sign-ups', isNumeric: true, unit: 'accounts', _version: 2 });

    const entry = await latestAudit();
    expect(entry.accesses).toEqual(
      [
        'updateName',
        'updateDescription',
        'updateEventKey',
        'updateTags',
        'updateNumeric',
        'updateMaintainer',
      ].map((action) => ({ action, resource })),
    );
    expect(entry.title).toBe(
      '[ariel@acme.com](mailto:ariel@acme.com) updated the metric ' +
        '[Sign-ups](https://flags.example.com/default/metrics/signups)',
    );
    expect(entry.description).toBe(
      [
        '- Changed the name from *Signups* to *Sign-ups*',
        '- Changed the description from *(none)* to *New accounts*',
        '- Changed the event key from *signup* to *account-created*',
        '- Added *kpi* to the tags',
        '- Changed whether the metric is numeric from *false* to *true*',
        '- Changed the unit from *(none)* to *accounts*',
        '- Changed the maintainer from *(none)* to *ariel@acme.com*',
      ].join('\n'),
    );
    expect(entry.delta).toHaveLength(7);
  });

  it('updates the URLs and selector of a click metric with {patch, comment}', async () => {
    await t.api('POST', base, {
      key: 'buy-clicks',
      name: 'Buy clicks',
      kind: 'click',
      selector: 'button.buy',
      urls: [{ kind: 'exact', url: 'https://acme.com/cart' }],
    });
    const patched = await t.api('PATCH', `${base}/buy-clicks`, {
      patch: [
        { op: 'replace', path: '/selector', value: '#buy-now' },
        { op: 'add', path: '/urls/-', value: { kind: 'canonical', url: 'https://acme.com/checkout' } },
      ],
      comment: 'new checkout page',
    });
    expect(patched.status).toBe(200);
    const entry = await latestAudit();
    expect(entry.comment).toBe('new checkout page');
    expect(entry.accesses).toEqual([
      { action: 'updateUrls', resource: 'proj/default:metric/buy-clicks' },
      { action: 'updateSelector', resource: 'proj/default:metric/buy-clicks' },
    ]);
    expect(entry.description).toBe(
      [
        '- Changed the URLs from `[{"kind":"exact","url":"https://acme.com/cart"}]` to ' +
          '`[{"kind":"exact","url":"https://acme.com/cart"},{"kind":"canonical","url":"https://acme.com/checkout"}]`',
        '- Changed the CSS selector from *button.buy* to *\\#buy-now*',
      ].join('\n'),
    );
  });

  it('deletes a metric', async () => {
    await createSignups();
    expect((await t.api('DELETE', `${base}/signups`)).status).toBe(204);
    expect((await t.api('GET', `${base}/signups`)).status).toBe(404);
    const entry = await latestAudit();
    expect(entry.accesses).toEqual([{ action: 'deleteMetric', resource }]);
    expect(entry.title).toBe('[ariel@acme.com](mailto:ariel@acme.com) deleted the metric Signups');
    expect(entry.description).toBe('- Deleted the metric');
    expect(entry.previousVersion.eventKey).toBe('signup');
  });

  it('enforces the rules of each kind on create and after a patch, changing nothing', async () => {
    await createSignups();
    await t.api('POST', base, {
      key: 'buy-clicks',
      kind: 'click',
      selector: 'button.buy',
      urls: [{ kind: 'exact', url: 'https://acme.com/cart' }],
    });
    const before = await snapshot(t);

    const cases: [Record<string, unknown>, string, string][] = [
      [{ kind: 'custom' }, '/eventKey', 'is required for a custom metric'],
      [{ kind: 'pageview' }, '/urls', 'is required for a page view metric'],
      [{ kind: 'pageview', urls: [] }, '/urls', 'is required for a page view metric'],
      [
        { kind: 'click', urls: [{ kind: 'exact', url: 'https://a.com' }] },
        '/selector',
        'is required for a click metric',
      ],
      [
        { kind: 'pageview', urls: [{ kind: 'exact', url: 'https://a.com' }], eventKey: 'x' },
        '/eventKey',
        'only custom metrics have this field',
      ],
      [
        { kind: 'pageview', urls: [{ kind: 'exact', url: 'https://a.com' }], selector: 'a' },
        '/selector',
        'only click metrics have this field',
      ],
      [
        { kind: 'pageview', urls: [{ kind: 'exact', url: 'https://a.com' }], isNumeric: true },
        '/isNumeric',
        'only custom metrics can be numeric',
      ],
      [{ kind: 'custom', eventKey: 'e', unit: 'ms' }, '/unit', 'only numeric metrics have this field'],
      [
        { kind: 'custom', eventKey: 'e', urls: [{ kind: 'exact', url: 'https://a.com' }] },
        '/urls',
        'only page view and click metrics have this field',
      ],
      [{ kind: 'pageview', urls: [{ kind: 'regex' }] }, '/urls/0/pattern', 'is required for a "regex" match'],
      [
        { kind: 'pageview', urls: [{ kind: 'exact', url: 'https://a.com', pattern: 'a' }] },
        '/urls/0/pattern',
        'is not used by a "exact" match (use "url")',
      ],
      [
        { kind: 'pageview', urls: [{ kind: 'regex', pattern: '(' }] },
        '/urls/0/pattern',
        'is not a valid regular expression',
      ],
      [
        { kind: 'custom', eventKey: 'e', maintainerId: 'aaaaaaaaaaaaaaaaaaaaaaaa' },
        '/maintainerId',
        'no member has the id "aaaaaaaaaaaaaaaaaaaaaaaa"',
      ],
    ];
    for (const [body, pointer, message] of cases) {
      const res = await t.api('POST', base, { key: 'm2', ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors, JSON.stringify(body)).toContainEqual({ pointer, message });
    }

    const noEventKey = await t.api('PATCH', `${base}/signups`, [{ op: 'remove', path: '/eventKey' }]);
    expect(noEventKey.status).toBe(400);
    expect(noEventKey.body.errors).toEqual([
      { pointer: '/eventKey', message: 'is required for a custom metric' },
    ]);

    const noSelector = await t.api('PATCH', `${base}/buy-clicks`, [{ op: 'remove', path: '/selector' }]);
    expect(noSelector.status).toBe(400);
    expect(noSelector.body.message).toBe('/selector: is required for a click metric');

    const badUrl = await t.api('PATCH', `${base}/buy-clicks`, [
      { op: 'replace', path: '/urls/0/kind', value: 'substring' },
    ]);
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.errors).toEqual([
      { pointer: '/urls/0/url', message: 'is not used by a "substring" match (use "substring")' },
      { pointer: '/urls/0/substring', message: 'is required for a "substring" match' },
    ]);

    const kind = await t.api('PATCH', `${base}/signups`, [
      { op: 'replace', path: '/kind', value: 'pageview' },
    ]);
    expect(kind.status).toBe(400);
    expect(kind.body.message).toBe('/kind: is read-only');

    const maintainer = await t.api('PATCH', `${base}/signups`, [
      { op: 'add', path: '/maintainerId', value: 'bbbbbbbbbbbbbbbbbbbbbbbb' },
    ]);
    expect(maintainer.status).toBe(400);
    expect(maintainer.body.errors[0].pointer).toBe('/maintainerId');

    expect(await snapshot(t)).toBe(before);
  });

  it('rejects bad input and leaves the database unchanged', async () => {
    await createSignups();
    const before = await snapshot(t);

    const dup = await t.api('POST', base, { key: 'signups', kind: 'custom', eventKey: 'x' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('conflict');

    const unknown = await t.api('POST', base, { key: 'm2', kind: 'custom', eventKey: 'x', goal: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'invalid_request', message: '/goal: unknown field' });

    const badKind = await t.api('POST', base, { key: 'm2', kind: 'conversion' });
    expect(badKind.status).toBe(400);
    expect(badKind.body.message).toContain('/kind');

    const badPath = await t.api('PATCH', `${base}/signups`, [
      { op: 'replace', path: '/nope/deeper', value: 1 },
    ]);
    expect(badPath.status).toBe(400);
    expect(badPath.body.message).toContain('/patch/0/path');

    const unknownPatched = await t.api('PATCH', `${base}/signups`, [
      { op: 'add', path: '/colour', value: 'red' },
    ]);
    expect(unknownPatched.status).toBe(400);
    expect(unknownPatched.body.message).toContain('/colour');

    const stale = await t.api('PATCH', `${base}/signups`, {
      patch: [
        { op: 'test', path: '/_version', value: 7 },
        { op: 'replace', path: '/name', value: 'Late' },
      ],
      comment: 'too late',
    });
    expect(stale.status).toBe(409);

    expect((await t.api('GET', '/api/v2/metrics/nope')).status).toBe(404);
    expect(
      (await t.api('POST', '/api/v2/metrics/nope', { key: 'x', kind: 'custom', eventKey: 'x' })).status,
    ).toBe(404);
    expect((await t.api('GET', '/api/v2/metrics/nope/signups')).status).toBe(404);
    expect(
      (await t.api('PATCH', '/api/v2/metrics/nope/signups', [{ op: 'replace', path: '/name', value: 'x' }]))
        .status,
    ).toBe(404);
    expect((await t.api('DELETE', '/api/v2/metrics/nope/signups')).status).toBe(404);
    expect((await t.api('GET', `${base}/nope`)).status).toBe(404);
    expect((await t.api('DELETE', `${base}/nope`)).status).toBe(404);

    expect(await snapshot(t)).toBe(before);
  });

  it('goes away with its project', async () => {
    await createSignups();
    expect((await t.api('DELETE', '/api/v2/projects/default')).status).toBe(204);
    await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
    expect((await t.api('GET', base)).body.items).toEqual([]);
  });
});
