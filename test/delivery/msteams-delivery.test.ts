import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeTeams, type TeamsReceived, teamsDisplay, teamsTexts } from '../helpers/fake-msteams.js';
import type { TestSwitchboard } from '../helpers/test-switchboard.js';
import { postCreated, productionFlags, shownByApi, startWithFlag, toggleFlag } from './delivery-kit.js';

let fake: FakeTeams;
let t: TestSwitchboard;

beforeAll(async () => {
  fake = await FakeTeams.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  fake.reset();
  t = await startWithFlag();
});
afterEach(async () => {
  await t.close();
});

const addTeams = (config: Record<string, unknown>, body: Record<string, unknown> = {}) =>
  postCreated(t, '/api/v2/integrations/msteams', { name: 'Ops', config, ...body });
const toggle = (env: string, on: boolean) => toggleFlag(t, env, on);

const firstText = (r: TeamsReceived | undefined) => teamsTexts(r?.body)[0] ?? '';
const onOff = (list: readonly TeamsReceived[]) =>
  list.map((r) =>
    firstText(r).includes('turned on') ? 'on' : firstText(r).includes('turned off') ? 'off' : '?',
  );

describe('Microsoft Teams (Workflows webhook)', () => {
  it('a production-only integration hears the production toggle, not the test one, as an Adaptive Card', async () => {
    await addTeams({ url: fake.addWorkflow() }, { statements: productionFlags });
    await toggle('test', true);
    await toggle('production', true);
    await t.settle();
    const got = fake.delivered();
    expect(got).toHaveLength(1);
    expect(got[0]?.problems).toEqual([]);
    const body = got[0]?.body as {
      attachments: { content: { version: string; actions: { url: string }[] } }[];
    };
    expect(teamsDisplay(firstText(got[0]))).toContain('turned on the flag [Checkout](');
    expect(firstText(got[0])).toContain('](https://flags.example.com/default/production/features/checkout)');
    expect(body.attachments[0]?.content.actions[0]?.url).toBe(
      'https://flags.example.com/default/production/features/checkout',
    );
  });

  it('the workflow URL never leaves through the API or the audit log; the mask sent back keeps it', async () => {
    const url = fake.addWorkflow();
    const created = await addTeams({ url }, { statements: productionFlags });
    expect(created.config).toEqual({ url: '********' });
    const kept = await t.api('PATCH', `/api/v2/integrations/msteams/${created._id}`, [
      { op: 'replace', path: '/config', value: { url: '********' } },
    ]);
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    const test = await t.api('POST', `/api/v2/integrations/msteams/${created._id}/test`);
    expect(test.body).toMatchObject({ ok: true, statusCode: 202 });
    expect(fake.delivered()[0]?.problems).toEqual([]);
    const other = fake.addWorkflow();
    await t.api('PATCH', `/api/v2/integrations/msteams/${created._id}`, [
      { op: 'replace', path: '/config/url', value: other },
    ]);
    await toggle('production', true);
    await t.settle();
    expect(fake.delivered().at(-1)?.path).toBe(new URL(other).pathname);
    const exposed = await shownByApi(t, [
      '/api/v2/integrations/msteams',
      `/api/v2/integrations/msteams/${created._id}`,
      `/api/v2/integrations/msteams/${created._id}/deliveries`,
    ]);
    for (const secret of [
      url,
      other,
      new URL(url).searchParams.get('sig'),
      new URL(other).searchParams.get('sig'),
    ])
      expect(exposed).not.toContain(secret);
    expect(exposed).toContain('Replaced the Workflows URL');
  });

  it('switching off stops delivery; switching on resumes it', async () => {
    const { _id } = await addTeams({ url: fake.addWorkflow() }, { statements: productionFlags });
    await t.api('PATCH', `/api/v2/integrations/msteams/${_id}`, [
      { op: 'replace', path: '/on', value: false },
    ]);
    await toggle('production', true);
    await t.settle();
    expect(fake.received).toHaveLength(0);
    await t.api('PATCH', `/api/v2/integrations/msteams/${_id}`, [
      { op: 'replace', path: '/on', value: true },
    ]);
    await toggle('production', false);
    await t.settle();
    expect(onOff(fake.delivered())).toEqual(['off']);
  });

  it('503 for a while, then recovery: every notification delivered, in order', async () => {
    const { _id } = await addTeams({ url: fake.addWorkflow() }, { statements: productionFlags });
    fake.setMode('down');
    for (let i = 0; i < 5; i++) await toggle('production', i % 2 === 0);
    await fake.waitFor((r) => r.filter((x) => x.status === 503).length >= 3);
    fake.setMode('up');
    await t.settle();
    expect(onOff(fake.delivered())).toEqual(['on', 'off', 'on', 'off', 'on']);
    const log = (await t.api('GET', `/api/v2/integrations/msteams/${_id}/deliveries`)).body.items;
    expect(log.at(-1).attemptLog[0]).toMatchObject({ outcome: 'retry', statusCode: 503 });
    expect(log.at(-1).attemptLog.at(-1)).toMatchObject({ outcome: 'delivered', statusCode: 202 });
  });

  it('429 Retry-After: no request before it has passed', async () => {
    await addTeams({ url: fake.addWorkflow() }, { statements: productionFlags });
    fake.rateLimitNext(1, 2);
    await toggle('production', true);
    await fake.waitFor((r) => r.some((x) => x.status === 429));
    await toggle('production', false);
    await t.settle();
    const limited = fake.received.find((r) => r.status === 429);
    for (const r of fake.received.filter((x) => x !== limited))
      expect(r.at - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    expect(onOff(fake.delivered())).toEqual(['on', 'off']);
  });

  it('a deleted workflow (404) marks the integration errored with the reason', async () => {
    const url = fake.addWorkflow();
    const { _id } = await addTeams({ url }, { statements: productionFlags });
    fake.deleteWorkflow(url);
    await toggle('production', true);
    await t.settle();
    const status = (await t.api('GET', `/api/v2/integrations/msteams/${_id}`)).body._status;
    expect(status.errored.reason).toContain('404');
    expect(status.errored.reason).toContain('WorkflowNotFound');
  });

  it('a flag named like markup arrives escaped in the card text', async () => {
    await addTeams({ url: fake.addWorkflow() });
    const name = '<!channel> <script>alert(1)</script> **bold** [x](https://evil.test) _i_';
    await t.api('POST', '/api/v2/flags/default', { key: 'hostile', name });
    await t.settle();
    const got = fake.delivered().find((r) => firstText(r).includes('created the flag'));
    expect(got?.problems).toEqual([]);
    const text = firstText(got);
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('](https://evil.test)');
    expect(text).not.toContain('**bold**');
    expect(teamsDisplay(text)).toContain(name);
  });
});

describe('Teams message templates', () => {
  const template = JSON.stringify({
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      { type: 'TextBlock', text: '{{title.markdown}}', wrap: true },
      { type: 'TextBlock', text: '{{name}} at {{timestamp.rfc3339}}', isSubtle: true },
    ],
    actions: [
      { type: 'Action.OpenUrl', title: 'Open', url: 'https://flags.example.com{{_links.site.href}}' },
    ],
  });

  it('a custom template renders inside the Workflows envelope', async () => {
    await addTeams({ url: fake.addWorkflow(), template }, { statements: productionFlags });
    await toggle('production', true);
    await t.settle();
    const [got] = fake.delivered();
    expect(got?.problems).toEqual([]);
    const texts = teamsTexts(got?.body);
    expect(texts[0]).toContain('[Checkout](https://flags.example.com/default/production/features/checkout)');
    expect(texts[0]).not.toContain('\\[');
    expect(texts[1]).toMatch(/^Checkout at \d{4}-\d\d-\d\dT/);
    const card = (got?.body as { attachments: { content: { actions: { url: string }[] } }[] } | undefined)
      ?.attachments[0];
    expect(card?.content.actions[0]?.url).toBe(
      'https://flags.example.com/default/production/features/checkout',
    );
  });

  it('a hostile flag name stays inside its string; the card keeps its shape', async () => {
    await addTeams({ url: fake.addWorkflow(), template });
    const name = '"}], "actions": [], "x": "\n{{x}}';
    await t.api('POST', '/api/v2/flags/default', { key: 'hostile', name });
    await t.settle();
    const got = fake.delivered().find((r) => firstText(r).includes('created the flag'));
    expect(got?.problems).toEqual([]);
    const content = (got?.body as { attachments: { content: Record<string, unknown> }[] } | undefined)
      ?.attachments[0]?.content;
    expect(Object.keys(content ?? {}).sort()).toEqual(['actions', 'body', 'type', 'version']);
    expect(content?.body).toHaveLength(2);
    expect(teamsDisplay(teamsTexts(got?.body)[1] ?? '')).toContain(name);
  });

  it('a broken template, or one that is not a card, is refused on save at /config/template', async () => {
    for (const bad of ['{{#each}}', '{"type": "AdaptiveCard", "body": {{name}} }', '{"text": "{{name}}"}']) {
      const res = await t.api('POST', '/api/v2/integrations/msteams', {
        name: 'x',
        config: { url: fake.addWorkflow(), template: bad },
      });
      expect(res.status, bad).toBe(400);
      expect(res.body.message).toContain('/config/template');
    }
    expect((await t.api('GET', '/api/v2/integrations/msteams')).body.items).toEqual([]);
  });
});
