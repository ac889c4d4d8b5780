import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FakeSlack,
  type SlackReceived,
  slackControls,
  slackDisplay,
  slackTexts,
} from '../helpers/fake-slack.js';
import type { TestSwitchboard } from '../helpers/test-switchboard.js';
import { postCreated, productionFlags, shownByApi, startWithFlag, toggleFlag } from './delivery-kit.js';

const OPS = { id: 'C0OPS', name: 'ops' };
const DEV = { id: 'C0DEV', name: 'dev' };
const botToken = 'xoxb-1111-2222-switchboardtesttoken';

let fake: FakeSlack;
let t: TestSwitchboard;

beforeAll(async () => {
  fake = await FakeSlack.start({
    channels: [OPS, DEV],
    bots: [{ token: botToken, memberOf: [OPS.id] }],
  });
});
afterAll(async () => {
  await fake.close();
});

async function boot(env: Record<string, string> = {}) {
  t = await startWithFlag({
    SWITCHBOARD_SLACK_API_URL: fake.url,
    SWITCHBOARD_SLACK_CHANNEL_RATE: '0',
    ...env,
  });
}

beforeEach(async () => {
  fake.reset();
});
afterEach(async () => {
  await t.close();
});

const addSlack = (config: Record<string, unknown>, body: Record<string, unknown> = {}) =>
  postCreated(t, '/api/v2/integrations/slack', { name: 'Ops', config, ...body });
const toggle = (env: string, on: boolean, flag?: string) => toggleFlag(t, env, on, flag);

const textOf = (r: SlackReceived | undefined) => String((r?.body as { text?: unknown } | undefined)?.text);
const onOff = (list: readonly SlackReceived[]) =>
  list.map((r) => (textOf(r).includes('turned on') ? 'on' : textOf(r).includes('turned off') ? 'off' : '?'));

describe('Slack incoming webhook', () => {
  beforeEach(() => boot());

  it('a production-only integration hears the production toggle, not the test one, as sane Block Kit', async () => {
    const hook = fake.addWebhook(OPS.id);
    await addSlack({ webhookUrl: hook }, { statements: productionFlags });
    await toggle('test', true);
    await toggle('production', true);
    await t.settle();
    const got = fake.delivered(OPS.id);
    expect(got).toHaveLength(1);
    expect(got[0]?.problems).toEqual([]);
    expect(got[0]?.contentType).toMatch(/^application\/json/);
    const body = got[0]?.body as { text: string; blocks: { type: string; text?: { text: string } }[] };
    expect(body.text).toContain('turned on the flag Checkout in Production');
    expect(body.blocks[0]?.type).toBe('section');
    expect(body.blocks[0]?.text?.text).toContain(
      '<https://flags.example.com/default/production/features/checkout|Checkout>',
    );
    expect(body.blocks[0]?.text?.text).toContain('`Production`');
  });

  it('the webhook URL never leaves through the API or the audit log; the mask sent back keeps it', async () => {
    const hook = fake.addWebhook(OPS.id);
    const created = await addSlack({ webhookUrl: hook }, { statements: productionFlags });
    expect(created.config).toEqual({ webhookUrl: '********' });
    const kept = await t.api('PATCH', `/api/v2/integrations/slack/${created._id}`, [
      { op: 'replace', path: '/config', value: { webhookUrl: '********' } },
      { op: 'replace', path: '/name', value: 'Renamed' },
    ]);
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    const test = await t.api('POST', `/api/v2/integrations/slack/${created._id}/test`);
    expect(test.body).toMatchObject({ ok: true, statusCode: 200 });
    const other = fake.addWebhook(DEV.id);
    const replaced = await t.api('PATCH', `/api/v2/integrations/slack/${created._id}`, [
      { op: 'replace', path: '/config/webhookUrl', value: other },
    ]);
    expect(replaced.status).toBe(200);
    await toggle('production', true);
    await t.settle();
    expect(fake.delivered(DEV.id).map(textOf)).toEqual([expect.stringContaining('turned on the flag')]);
    const exposed = await shownByApi(t, [
      '/api/v2/integrations/slack',
      `/api/v2/integrations/slack/${created._id}`,
      `/api/v2/integrations/slack/${created._id}/deliveries`,
    ]);
    for (const secret of [hook, other, new URL(hook).pathname, new URL(other).pathname])
      expect(exposed).not.toContain(secret);
    expect(exposed).toContain('Replaced the Slack webhook URL or token');
  });

  it('switching off stops delivery; switching on resumes it', async () => {
    const { _id } = await addSlack({ webhookUrl: fake.addWebhook(OPS.id) }, { statements: productionFlags });
    await t.api('PATCH', `/api/v2/integrations/slack/${_id}`, [{ op: 'replace', path: '/on', value: false }]);
    await toggle('production', true);
    await t.settle();
    expect(fake.received).toHaveLength(0);
    await t.api('PATCH', `/api/v2/integrations/slack/${_id}`, [{ op: 'replace', path: '/on', value: true }]);
    await toggle('production', false);
    await t.settle();
    expect(onOff(fake.delivered(OPS.id))).toEqual(['off']);
  });

  it('503 for a while, then recovery: every notification delivered, in order', async () => {
    const { _id } = await addSlack({ webhookUrl: fake.addWebhook(OPS.id) }, { statements: productionFlags });
    fake.setMode('down');
    for (let i = 0; i < 5; i++) await toggle('production', i % 2 === 0);
    await fake.waitFor((r) => r.filter((x) => x.status === 503).length >= 3);
    fake.setMode('up');
    await t.settle();
    expect(onOff(fake.delivered(OPS.id))).toEqual(['on', 'off', 'on', 'off', 'on']);
    const log = (await t.api('GET', `/api/v2/integrations/slack/${_id}/deliveries`)).body.items;
    expect(log.at(-1).attemptLog[0]).toMatchObject({ outcome: 'retry', statusCode: 503 });
    expect(log.at(-1).attemptLog.at(-1)).toMatchObject({ outcome: 'delivered', statusCode: 200 });
  });

  it('429 Retry-After: no request before it has passed', async () => {
    await addSlack({ webhookUrl: fake.addWebhook(OPS.id) }, { statements: productionFlags });
    fake.rateLimitNext(1, 2);
    await toggle('production', true);
    await fake.waitFor((r) => r.some((x) => x.status === 429));
    await toggle('production', false);
    await t.settle();
    const limited = fake.received.find((r) => r.status === 429);
    const after = fake.received.filter((r) => r !== limited);
    for (const r of after) expect(r.at - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    expect(onOff(fake.delivered(OPS.id))).toEqual(['on', 'off']);
  });

  it('a revoked webhook (404 no_service) marks the integration errored with the reason', async () => {
    const hook = fake.addWebhook(OPS.id);
    const { _id } = await addSlack({ webhookUrl: hook }, { statements: productionFlags });
    fake.setWebhookState(hook, 'no_service');
    await toggle('production', true);
    await t.settle();
    const status = (await t.api('GET', `/api/v2/integrations/slack/${_id}`)).body._status;
    expect(status.errored.reason).toContain('404');
    expect(status.errored.reason).toContain('no_service');
  });

  it('a flag named like a mention or markup arrives escaped: no control sequence but our own links', async () => {
    await addSlack({ webhookUrl: fake.addWebhook(OPS.id) });
    const name = '<!channel> <script>alert(1)</script> & <@U123> <#C0OPS>';
    await t.api('POST', '/api/v2/flags/default', { key: 'hostile', name });
    await t.settle();
    const got = fake.delivered(OPS.id).find((r) => textOf(r).includes('created the flag'));
    expect(got?.problems).toEqual([]);
    for (const text of slackTexts(got?.body)) {
      for (const control of slackControls(text)) expect(control).toMatch(/^<https:\/\/[^<>]*\|[^<>]*>$/);
      expect(text).not.toContain('<!channel>');
    }
    const blocks = (got?.body as { blocks: { text?: { text: string } }[] } | undefined)?.blocks;
    expect(slackDisplay(blocks?.[0]?.text?.text ?? '')).toContain(name);
    expect(slackDisplay(textOf(got))).toContain(name);
  });
});

describe('Slack bot token (chat.postMessage)', () => {
  it('posts to the channel with the bearer token; the token is masked and kept by the mask', async () => {
    await boot();
    const created = await addSlack({ token: botToken, channel: '#ops' }, { statements: productionFlags });
    expect(created.config).toEqual({ token: '********', channel: '#ops' });
    const kept = await t.api('PATCH', `/api/v2/integrations/slack/${created._id}`, [
      { op: 'replace', path: '/config', value: { token: '********', channel: OPS.id } },
    ]);
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    await toggle('production', true);
    await t.settle();
    const got = fake.delivered(OPS.id);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ api: 'chat.postMessage', token: botToken, problems: [] });
    expect(got[0]?.contentType).toContain('charset=utf-8');
    const exposed = JSON.stringify([
      (await t.api('GET', `/api/v2/integrations/slack/${created._id}`)).body,
      (await t.api('GET', '/api/v2/auditlog?limit=20')).body,
    ]);
    expect(exposed).not.toContain(botToken);
  });

  it('ok:false invalid_auth in a 200 marks the integration errored with the reason; a good test clears it', async () => {
    await boot();
    const { _id } = await addSlack(
      { token: 'xoxb-revoked', channel: OPS.id },
      { statements: productionFlags },
    );
    await toggle('production', true);
    await t.settle();
    expect(fake.received[0]).toMatchObject({ status: 200, error: 'invalid_auth' });
    const status = (await t.api('GET', `/api/v2/integrations/slack/${_id}`)).body._status;
    expect(status.errored.reason).toContain('invalid_auth');
    const log = (await t.api('GET', `/api/v2/integrations/slack/${_id}/deliveries`)).body.items;
    expect(log[0]).toMatchObject({ status: 'dead', attempts: 1 });
    await t.api('PATCH', `/api/v2/integrations/slack/${_id}`, [
      { op: 'replace', path: '/config/token', value: botToken },
    ]);
    const test = await t.api('POST', `/api/v2/integrations/slack/${_id}/test`);
    expect(test.body.ok).toBe(true);
    expect((await t.api('GET', `/api/v2/integrations/slack/${_id}`)).body._status.errored).toBeUndefined();
  });

  it('not_in_channel marks it errored too', async () => {
    await boot();
    const { _id } = await addSlack({ token: botToken, channel: DEV.id }, { statements: productionFlags });
    await toggle('production', true);
    await t.settle();
    const status = (await t.api('GET', `/api/v2/integrations/slack/${_id}`)).body._status;
    expect(status.errored.reason).toContain('not_in_channel');
  });

  // Slack allows about one message a second per channel with short bursts: the fake takes two
  // a second, so network jitter around Switchboard's own 1 / s pacing never trips it.
  it('paces a burst to the channel rate instead of being rate limited', async () => {
    await boot({ SWITCHBOARD_SLACK_CHANNEL_RATE: '1' });
    fake.setChannelRate({ limit: 2, windowMs: 1_000 });
    await addSlack({ token: botToken, channel: OPS.id }, { statements: productionFlags });
    for (let i = 0; i < 4; i++) await toggle('production', i % 2 === 0);
    await t.settle(15_000);
    expect(fake.received.filter((r) => r.status === 429)).toEqual([]);
    const got = fake.delivered(OPS.id);
    expect(onOff(got)).toEqual(['on', 'off', 'on', 'off']);
    for (let i = 1; i < got.length; i++)
      expect((got[i]?.at ?? 0) - (got[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('without pacing the same burst is rate limited by the fake (the check above can fail)', async () => {
    await boot({ SWITCHBOARD_SLACK_CHANNEL_RATE: '0' });
    fake.setChannelRate({ limit: 2, windowMs: 1_000 });
    await addSlack({ token: botToken, channel: OPS.id }, { statements: productionFlags });
    for (let i = 0; i < 4; i++) await toggle('production', i % 2 === 0);
    await t.settle(15_000);
    expect(fake.received.some((r) => r.status === 429)).toBe(true);
    expect(onOff(fake.delivered(OPS.id))).toEqual(['on', 'off', 'on', 'off']);
  });
});

describe('Slack message templates', () => {
  beforeEach(() => boot());

  const template = JSON.stringify({
    text: 'FF {{title.plainText}} by {{member.displayName}}',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: '{{title.markdown}}' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '{{name}} / {{project.environment.key}}' }] },
    ],
  });

  it('a custom template renders with the integration-framework context', async () => {
    await addSlack({ webhookUrl: fake.addWebhook(OPS.id), template }, { statements: productionFlags });
    await toggle('production', true);
    await t.settle();
    const [got] = fake.delivered(OPS.id);
    expect(got?.problems).toEqual([]);
    const body = got?.body as { text: string; blocks: Record<string, never>[] };
    expect(body.text).toBe('FF ariel@acme.com turned on the flag Checkout in Production by ariel@acme.com');
    expect(JSON.stringify(body.blocks[0])).toContain(
      '<https://flags.example.com/default/production/features/checkout|Checkout>',
    );
    expect(JSON.stringify(body.blocks[1])).toContain('Checkout / production');
  });

  it('a hostile flag name stays inside its string and cannot become a mention', async () => {
    await addSlack({ webhookUrl: fake.addWebhook(OPS.id), template });
    const name = '"}]}, "x": "<!channel>\n{{x}}';
    await t.api('POST', '/api/v2/flags/default', { key: 'hostile', name });
    await t.settle();
    const got = fake.delivered(OPS.id).find((r) => textOf(r).includes('created the flag'));
    expect(got?.problems).toEqual([]);
    const body = got?.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text']);
    expect((body.blocks as unknown[]).length).toBe(2);
    for (const text of slackTexts(body)) {
      for (const control of slackControls(text)) expect(control).toMatch(/^<https:\/\/[^<>]*\|[^<>]*>$/);
    }
    expect(slackDisplay(textOf(got))).toContain(name);
  });

  it('a broken template is refused on save with its error at /config/template', async () => {
    const broken = await t.api('POST', '/api/v2/integrations/slack', {
      name: 'x',
      config: { webhookUrl: fake.addWebhook(OPS.id), template: '{"text": "{{#if title}}"}' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.message).toContain('/config/template');
    const unquoted = await t.api('POST', '/api/v2/integrations/slack', {
      name: 'x',
      config: { webhookUrl: fake.addWebhook(OPS.id), template: '{"text": {{name}} }' },
    });
    expect(unquoted.status).toBe(400);
    expect(unquoted.body.message).toContain('/config/template');
    expect(unquoted.body.message).toContain('outside a JSON string');
    expect((await t.api('GET', '/api/v2/integrations/slack')).body.items).toEqual([]);
  });
});
