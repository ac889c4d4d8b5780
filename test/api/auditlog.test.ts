import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

let t: TestSwitchboard;

beforeEach(async () => {
  t = await startTestSwitchboard();
  await t.api('POST', '/api/v2/projects', { key: 'default', name: 'Default' });
  await t.api('POST', '/api/v2/flags/default', { key: 'checkout', name: 'Checkout', tags: ['beta'] });
});
afterEach(async () => {
  await t.close();
});

async function toggle(env: string, on: boolean) {
  const res = await t.api('PATCH', '/api/v2/flags/default/checkout', [
    { op: 'replace', path: `/environments/${env}/on`, value: on },
  ]);
  expect(res.status).toBe(200);
}

function titles(body: { items: { titleVerb: string; accesses: { resource: string }[] }[] }) {
  return body.items.map(
    (e) => `${e.titleVerb} ${e.accesses.map((a) => a.resource.split(':')[1] ?? a.resource).join(',')}`,
  );
}

describe('audit log', () => {
  it('lists newest first with a default limit of 10 and pages through _links.next', async () => {
    for (let i = 0; i < 12; i++) await toggle('test', i % 2 === 0);
    const first = await t.api('GET', '/api/v2/auditlog');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(10);
    expect(first.body.items[0].titleVerb).toBe('turned off the flag');
    const dates = first.body.items.map((e: { date: number }) => e.date);
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);

    const seen = new Set(first.body.items.map((e: { _id: string }) => e._id));
    let next: string | undefined = first.body._links.next?.href;
    let pages = 1;
    while (next !== undefined) {
      const page = await t.api('GET', next);
      for (const e of page.body.items) {
        expect(seen.has(e._id)).toBe(false);
        seen.add(e._id);
      }
      next = page.body._links.next?.href;
      pages++;
    }
    // 12 toggles + flag + project + owner + admin token
    expect(seen.size).toBe(16);
    expect(pages).toBe(2);
  });

  it('validates limit', async () => {
    expect((await t.api('GET', '/api/v2/auditlog?limit=0')).status).toBe(400);
    expect((await t.api('GET', '/api/v2/auditlog?limit=21')).status).toBe(400);
    expect((await t.api('GET', '/api/v2/auditlog?limit=20')).status).toBe(200);
    const bad = await t.api('GET', '/api/v2/auditlog?colour=red');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('query /colour: unknown field');
  });

  it('filters by date with before and after', async () => {
    const all = (await t.api('GET', '/api/v2/auditlog?limit=20')).body.items;
    const middle = all[1].date;
    const before = (await t.api('GET', `/api/v2/auditlog?limit=20&before=${middle}`)).body.items;
    expect(before.every((e: { date: number }) => e.date < middle)).toBe(true);
    const after = (await t.api('GET', `/api/v2/auditlog?limit=20&after=${middle - 1}`)).body.items;
    expect(after.every((e: { date: number }) => e.date > middle - 1)).toBe(true);
    expect(after.length).toBeGreaterThan(0);
  });

  it('searches names, member emails and comments with q', async () => {
    await t.api('PATCH', '/api/v2/flags/default/checkout', {
      patch: [{ op: 'replace', path: '/environments/production/on', value: true }],
      comment: 'Incident 4711 mitigation',
    });
    const byComment = (await t.api('GET', '/api/v2/auditlog?q=incident%204711')).body.items;
    expect(byComment).toHaveLength(1);
    const byName = (await t.api('GET', '/api/v2/auditlog?q=CHECKOUT&limit=20')).body.items;
    expect(byName.length).toBe(2);
    const byEmail = (await t.api('GET', '/api/v2/auditlog?q=ariel@acme&limit=20')).body.items;
    expect(byEmail.length).toBe(5);
    expect((await t.api('GET', '/api/v2/auditlog?q=nothing-like-this')).body.items).toEqual([]);
  });

  it('filters by resource specifier with the tags each resource had at the time', async () => {
    await toggle('production', true);
    await toggle('test', true);
    await t.api('PATCH', '/api/v2/flags/default/checkout', [{ op: 'replace', path: '/tags', value: [] }]);
    await toggle('production', false);

    const prod = await t.api(
      'GET',
      `/api/v2/auditlog?limit=20&spec=${encodeURIComponent('proj/*:env/production:flag/*')}`,
    );
    expect(titles(prod.body)).toEqual([
      'turned off the flag env/production',
      'updated the flag env/production,env/test',
      'turned on the flag env/production',
      'created the flag env/production,env/test',
    ]);
    const beta = await t.api(
      'GET',
      `/api/v2/auditlog?limit=20&spec=${encodeURIComponent('proj/*:env/*:flag/*;beta')}`,
    );
    // The entry that removed the tag carries the tags as they were: a filter on them hears it.
    expect(titles(beta.body)).toEqual([
      'updated the flag env/production,env/test',
      'turned on the flag env/test',
      'turned on the flag env/production',
      'created the flag env/production,env/test',
    ]);
    const projects = await t.api('GET', '/api/v2/auditlog?spec=proj/*');
    expect(projects.body.items.map((e: { titleVerb: string }) => e.titleVerb)).toEqual([
      'created the project',
    ]);

    const bad = await t.api('GET', '/api/v2/auditlog?spec=proj/*:flags/*');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('query spec');
  });

  it('POST /auditlog filters with policy statements, deny included', async () => {
    await toggle('production', true);
    await toggle('test', true);
    const res = await t.api('POST', '/api/v2/auditlog?limit=20', [
      { effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['updateOn'] },
      { effect: 'deny', resources: ['proj/*:env/test:flag/*'], actions: ['*'] },
    ]);
    expect(res.status).toBe(200);
    expect(titles(res.body)).toEqual(['turned on the flag env/production']);
    const bad = await t.api('POST', '/api/v2/auditlog', [{ effect: 'allow', resources: ['proj/*'] }]);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('/0');
  });

  it('GET /auditlog/{id} returns 404 for an unknown id', async () => {
    expect((await t.api('GET', '/api/v2/auditlog/000000000000000000000000')).status).toBe(404);
  });
});
