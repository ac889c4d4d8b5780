import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTeams } from '../helpers/fake-msteams.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { FakeWebhook } from '../helpers/fake-webhook.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import {
  apiClient,
  ensureWebBuild,
  freePort,
  launchChromium,
  owner,
  ownerPage,
  tearDown,
  until,
} from './e2e-setup.js';

/**
 * Slack and a signed webhook added through the web UI, in Chromium against a real server, the fake
 * Slack and a receiver that checks both signatures: a flag flipped on the Flags page reaches both,
 * and each delivery shows in its own log. The webhook's signing secret is shown once. Then the
 * other paths of the forms and cards: a Slack bot token and channel, edited; a Teams workflow,
 * tested and deleted; a dead webhook delivery re-sent from its log.
 */

const adminToken = 'api-e2e-web-channels-0123456789abcdef';
const OPS = { id: 'C0OPS', name: 'ops' };
const DEPLOYS = { id: 'C0DEPLOY', name: 'deploys' };
const botToken = 'xoxb-e2e-0123456789-abcdefghijklmnop';

let slack: FakeSlack;
let teams: FakeTeams;
let receiver: FakeWebhook;
let server: ServerProcess;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof apiClient>;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-channels-'));

const card = (name: string): Locator => page.getByRole('article', { name });
const catalogAdd = (kind: string): Locator =>
  page
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name: kind, exact: true }) })
    .getByRole('link');
const integrationsNav = () =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();

beforeAll(async () => {
  const [, port] = await Promise.all([ensureWebBuild(), freePort()]);
  slack = await FakeSlack.start({
    channels: [OPS, DEPLOYS],
    bots: [{ token: botToken, memberOf: [DEPLOYS.id] }],
  });
  teams = await FakeTeams.start();
  receiver = await FakeWebhook.start();
  server = await startServerProcess({
    PORT: String(port),
    SWITCHBOARD_BASE_URL: `http://127.0.0.1:${port}`,
    SWITCHBOARD_DATABASE_URL: `sqlite:${join(dir, 'switchboard.db')}`,
    SWITCHBOARD_ADMIN_EMAIL: owner.email,
    SWITCHBOARD_ADMIN_PASSWORD: owner.password,
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    SWITCHBOARD_SLACK_API_URL: slack.url,
    SWITCHBOARD_SLACK_CHANNEL_RATE: '0',
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    SWITCHBOARD_RETRY_SCHEDULE: '0,1',
  });
  api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  await api('POST', '/flags/default', { key: 'new-checkout', name: 'New checkout' });
  browser = await launchChromium();
  page = await ownerPage(browser, server.baseUrl, { width: 1280, height: 860 });
}, 90_000);

afterAll(() => tearDown(dir, browser, server, slack, teams, receiver));

describe('Slack and webhooks in the web UI', { timeout: 30_000 }, () => {
  it('adds a Slack incoming webhook; a broken template is refused next to the field', async () => {
    await catalogAdd('Slack').click();
    await page.getByRole('heading', { name: 'Add a Slack integration' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('#ops');
    expect(await page.getByRole('radio', { name: /Incoming webhook/ }).isChecked()).toBe(true);
    await page.getByLabel('Webhook URL').fill(slack.addWebhook(OPS.id));
    await page.getByRole('button', { name: 'Production flags only' }).click();
    const template = page.getByLabel(/Message template/);
    await template.fill('{"text": "{{#if title}}"}');
    await page.getByRole('button', { name: 'Add integration', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Not added.' }).waitFor();
    expect(await template.getAttribute('aria-invalid')).toBe('true');
    expect(new URL(page.url()).pathname).toBe('/integrations/slack/new');

    await template.fill('');
    await page.getByRole('button', { name: 'Add integration', exact: true }).click();
    await page.waitForURL(/\/integrations\/slack\/[0-9a-f]{24}$/);
    await card('#ops').getByRole('switch', { name: '#ops notifications', checked: true }).waitFor();
    expect(await card('#ops').textContent()).toContain('Incoming webhook');
    const { items } = await api<{ items: { config: unknown }[] }>('GET', '/integrations/slack');
    expect(items.map((i) => i.config)).toEqual([{ webhookUrl: '********' }]);

    await card('#ops').getByRole('button', { name: 'Send test' }).click();
    await card('#ops')
      .getByText(/Test message delivered/)
      .waitFor();
  });

  it('adds a signed webhook and shows its generated secret once', async () => {
    await integrationsNav();
    await catalogAdd('Webhooks').click();
    await page.getByRole('heading', { name: 'Add a webhook' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Deploy bot');
    await page.getByLabel('URL', { exact: true }).fill(receiver.url);
    expect(await page.getByRole('checkbox', { name: /Sign requests/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Add webhook', exact: true }).click();
    await page.waitForURL(/\/integrations\/webhooks\/[0-9a-f]{24}$/);

    const bot = card('Deploy bot');
    await bot.getByText('you will not see it again').waitFor();
    const secret = await bot.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    receiver.secret = secret;
    await bot.getByRole('button', { name: 'I have stored it' }).click();
    await bot.getByRole('textbox', { name: 'Signing secret' }).waitFor({ state: 'detached' });
    await page.reload();
    await card('Deploy bot').getByRole('switch', { name: 'Deploy bot notifications' }).waitFor();
    expect(await page.content()).not.toContain(secret);
    // The URL is a secret too: the page never shows it.
    expect(await page.content()).not.toContain(new URL(receiver.url).host);
  });

  it('flips a production flag; Slack and the receiver get it, and both logs show the delivery', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flags' }).click();
    await page.getByRole('switch', { name: 'New checkout in Production' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Turn on in Production' }).click();
    await page.getByRole('switch', { name: 'New checkout in Production', checked: true }).waitFor();

    await slack.waitFor((all) => all.some((r) => JSON.stringify(r.body).includes('turned on')), 10_000);
    const signed = await until(
      async () => receiver.received.find((r) => r.body.includes('new-checkout') && r.status < 300),
      'the webhook delivery',
    );
    expect(signed.ldSignatureOk).toBe(true);
    expect(signed.standardSignatureOk).toBe(true);

    await integrationsNav();
    for (const name of ['#ops', 'Deploy bot']) {
      const item = card(name);
      await item.getByRole('button', { name: 'Delivery log' }).click();
      const row = item
        .getByRole('region', { name: `Delivery log of ${name}` })
        .getByRole('row')
        .filter({ hasText: 'turned on the flag' });
      await row.getByText('Delivered', { exact: true }).waitFor();
      expect(await row.textContent()).toMatch(/HTTP 2\d\d/);
    }
  });

  it('adds a Slack bot token and channel, tests it, and renames it keeping the stored token', async () => {
    await integrationsNav();
    await catalogAdd('Slack').click();
    await page.getByLabel('Name', { exact: true }).fill('#deploys');
    await page.getByRole('radio', { name: /Bot token/ }).check();
    await page.getByRole('textbox', { name: 'Bot token' }).fill(botToken);
    await page.getByLabel('Channel', { exact: true }).fill(DEPLOYS.id);
    await page.getByRole('button', { name: 'Add integration', exact: true }).click();
    await page.waitForURL(/\/integrations\/slack\/[0-9a-f]{24}$/);
    await card('#deploys').getByRole('button', { name: 'Send test' }).click();
    await card('#deploys')
      .getByText(/Test message delivered/)
      .waitFor();

    await page.getByRole('link', { name: 'Edit #deploys' }).click();
    await page.getByRole('heading', { name: 'Edit #deploys' }).waitFor();
    expect(await page.getByRole('radio', { name: /Bot token/ }).isChecked()).toBe(true);
    expect(await page.getByRole('textbox', { name: 'Bot token' }).inputValue()).toBe('');
    await page.getByLabel('Name', { exact: true }).fill('#deploys (bot)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const renamed = card('#deploys (bot)');
    await renamed.getByRole('button', { name: 'Send test' }).click();
    await renamed.getByText(/Test message delivered/).waitFor();
    const { items } = await api<{ items: { name: string; config: unknown }[] }>('GET', '/integrations/slack');
    expect(items.find((i) => i.name === '#deploys (bot)')?.config).toEqual({
      token: '********',
      channel: DEPLOYS.id,
    });
    const posted = slack.received.filter(
      (r) =>
        r.path === '/api/chat.postMessage' && JSON.stringify(r.body).includes('sent a test notification'),
    );
    expect(posted).toHaveLength(2);
    await page.reload();
    await card('#deploys (bot)').waitFor();
    expect(await page.content()).not.toContain(botToken);
  });

  it('adds a Microsoft Teams workflow, tests it, and deletes it after confirming', async () => {
    await integrationsNav();
    await catalogAdd('Microsoft Teams').click();
    await page.getByRole('heading', { name: 'Add a Microsoft Teams integration' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Ops channel');
    await page.getByLabel('Workflow URL').fill(teams.addWorkflow());
    await page.getByRole('button', { name: 'Add integration', exact: true }).click();
    await page.waitForURL(/\/integrations\/msteams\/[0-9a-f]{24}$/);
    const ops = card('Ops channel');
    await ops.getByRole('button', { name: 'Send test' }).click();
    await ops.getByText(/Test message delivered/).waitFor();
    const tests = teams
      .delivered()
      .filter((r) => JSON.stringify(r.body).includes('sent a test notification'));
    expect(tests).toHaveLength(1);

    await ops.getByRole('button', { name: 'Delete Ops channel' }).click();
    await page
      .getByRole('dialog', { name: 'Delete Ops channel?' })
      .getByRole('button', { name: 'Delete integration' })
      .click();
    await ops.waitFor({ state: 'detached' });
    expect((await api<{ items: unknown[] }>('GET', '/integrations/msteams')).items).toEqual([]);
  });

  it('re-sends a dead webhook delivery from its log once the receiver is back', async () => {
    receiver.setMode('down');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flags' }).click();
    await page.getByRole('switch', { name: 'New checkout in Production' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Turn off in Production' }).click();
    await page.getByRole('switch', { name: 'New checkout in Production', checked: false }).waitFor();

    await integrationsNav();
    const bot = card('Deploy bot');
    await bot.getByRole('button', { name: 'Delivery log' }).click();
    const row = bot
      .getByRole('region', { name: 'Delivery log of Deploy bot' })
      .getByRole('row')
      .filter({ hasText: 'turned off the flag' });
    // Two attempts (SWITCHBOARD_RETRY_SCHEDULE=0,1), both 503: dead, and re-sendable.
    await row.getByText('Dead', { exact: true }).waitFor();
    expect(await row.textContent()).toContain('HTTP 503');
    receiver.setMode('up');
    await row.getByRole('button', { name: /Re-send delivery/ }).click();
    await row.getByText('Delivered', { exact: true }).waitFor();
    const signed = receiver.received.filter((r) => r.body.includes('turned off') && r.status === 200);
    expect(signed).toHaveLength(1);
  });
});
