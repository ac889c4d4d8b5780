import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHipChat } from '../helpers/fake-hipchat.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { ensureWebBuild, freePort, launchChromium, owner, root, tearDown, until } from './e2e-setup.js';
import { overflowingText } from './phone-width.js';

/**
 * The web UI in real Chromium against a real server process and the fake HipChat, walked as a
 * person would: sign in, add a room with a policy, flip a production flag, see the notification
 * arrive and the delivery in the log, switch the room off, and so on. The screenshots in
 * docs/screenshots are taken here.
 */

// The README's screenshots are refreshed with SWITCHBOARD_SCREENSHOTS=1; otherwise they are still
// taken (a page that fails to render fails the test) but into a scratch folder, so a test run
// does not rewrite tracked files.
const screenshots =
  process.env.SWITCHBOARD_SCREENSHOTS === '1'
    ? join(root, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'switchboard-screenshots-'));
const adminToken = 'api-e2e-web-ui-0123456789abcdef';
const goodToken = 'room-token-ops-0123456789';

let fake: FakeHipChat;
let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));

async function apiCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.baseUrl}/api/v2${path}`, {
    method,
    headers: {
      authorization: adminToken,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

interface IntegrationView {
  _id: string;
  name: string;
  on: boolean;
  config: { token: string };
  statements: unknown[];
}

const integrations = async () =>
  (await apiCall<{ items: IntegrationView[] }>('GET', '/integrations/hipchat')).items;

const card = (name: string): Locator => page.getByRole('article', { name });

async function shoot(name: string): Promise<void> {
  // From the top, so the sticky header sits where it belongs in a full-page capture.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true, animations: 'disabled' });
}

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  const [, port] = await Promise.all([ensureWebBuild(), freePort()]);
  fake = await FakeHipChat.start({
    rooms: [{ id: 1, name: 'Ops' }],
    tokens: [{ token: goodToken, roomId: 1 }],
    tokenRateLimit: null,
    roomFloodLimit: null,
  });
  server = await startServerProcess({
    PORT: String(port),
    SWITCHBOARD_BASE_URL: `http://127.0.0.1:${port}`,
    SWITCHBOARD_DATABASE_URL: `sqlite:${join(dir, 'switchboard.db')}`,
    SWITCHBOARD_ADMIN_EMAIL: owner.email,
    SWITCHBOARD_ADMIN_PASSWORD: owner.password,
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    SWITCHBOARD_HIPCHAT_URL: fake.url,
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '0',
    SWITCHBOARD_HIPCHAT_TOKEN_RATE: '0',
    SWITCHBOARD_RETRY_SCHEDULE: '0,1',
  });
  // The project and its flags come from the API, as a team's existing setup would.
  await apiCall('POST', '/projects', { key: 'default', name: 'Default project' });
  await apiCall('POST', '/flags/default', {
    key: 'new-checkout',
    name: 'New checkout',
    description: 'The redesigned checkout flow',
  });
  await apiCall('POST', '/flags/default', { key: 'dark-mode', name: 'Dark mode', tags: ['ui'] });
  await apiCall('POST', '/flags/default', {
    key: 'search-ranking',
    name: 'Search ranking',
    variations: [{ value: 'classic' }, { value: 'semantic' }, { value: 'hybrid' }],
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
}, 90_000);

afterAll(() => tearDown(dir, browser, server, fake));

describe('the web UI, in Chromium against a real server and the fake HipChat', { timeout: 60_000 }, () => {
  it('signs in with the owner’s email and password', async () => {
    await page.goto(server.baseUrl);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();

    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Chat integrations' }).waitFor();
    // The heading renders before the list has loaded: wait for the empty state, do not sample it.
    await page.getByText('No HipChat room is connected yet.').waitFor();
  });

  it('marks an invalid policy next to the editor and saves nothing', async () => {
    await page.getByRole('link', { name: 'Add integration' }).first().click();
    await page.getByRole('heading', { name: 'Add a HipChat integration' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Ops room');
    await page.getByLabel('Room ID or name').fill('Ops');
    await page.getByLabel('Room notification token').fill(goodToken);
    const editor = page.getByLabel('Policy filter (JSON)');
    await editor.fill(
      JSON.stringify(
        [{ effect: 'allow', resources: ['proj/*:env/production:flags/*'], actions: ['*'] }],
        null,
        2,
      ),
    );

    const issue = page.locator('.policy-status').getByText('unknown resource type "flags"');
    await issue.waitFor();
    expect(await page.locator('.policy-status').textContent()).toContain(
      'Statement 1 · resources[0] (line 5)',
    );
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    // The offending value is underlined inside the shaded statement.
    expect(await page.locator('.code-backdrop mark.hl-issue').first().textContent()).toBe(
      '"proj/*:env/production:flags/*"',
    );
    expect(await page.locator('.code-backdrop .hl-band').count()).toBe(1);
    await page
      .getByRole('region', { name: 'What to send' })
      .screenshot({ path: join(screenshots, 'policy-error.png'), animations: 'disabled' });

    await page.getByRole('button', { name: 'Add integration', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'The policy filter has errors' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/integrations/new');
    expect(await integrations()).toEqual([]);
  });

  it('adds a HipChat integration with the “Production flags only” snippet, after a preview', async () => {
    await page.getByRole('button', { name: 'Production flags only' }).click();
    expect(await page.getByLabel('Policy filter (JSON)').inputValue()).toContain(
      'proj/*:env/production:flag/*',
    );
    await page.getByText('Valid: 1 statement.').waitFor();

    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    // The three flags created above each touched production; the project itself did not match.
    await page.getByText(/^3 of the last \d+ changes match\./).waitFor();
    expect(await page.locator('.preview-list li').count()).toBe(3);
    await shoot('add-integration');

    await page.getByRole('button', { name: 'Add integration', exact: true }).click();
    await page.waitForURL(/\/integrations\/hipchat\/[0-9a-f]{24}$/);
    const ops = card('Ops room');
    await ops.getByRole('switch', { name: 'Ops room notifications', checked: true }).waitFor();
    expect(await ops.textContent()).toContain('production flags only');

    const [saved] = await integrations();
    expect(saved).toMatchObject({
      name: 'Ops room',
      on: true,
      config: { token: '********' },
      statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
    });
  });

  it('turns a production flag on from the Flags page; the room is notified and the delivery is logged', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flags' }).click();
    await page.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
    await page.getByLabel('Comment for your next change').fill('Ship it');
    await page.getByRole('switch', { name: 'New checkout in Production' }).click();
    // Production is critical: the change is confirmed, with the comment carried into the dialog.
    const confirm = page.getByRole('dialog', { name: 'Turn on New checkout in Production?' });
    expect(await confirm.getByLabel(/Comment/).inputValue()).toBe('Ship it');
    await confirm.getByRole('button', { name: 'Turn on in Production' }).click();
    await page.getByRole('switch', { name: 'New checkout in Production', checked: true }).waitFor();
    // The comment went with that change, so once the server has answered the field is empty again.
    await until(
      async () =>
        (await page.getByLabel('Comment for your next change').inputValue()) === '' ? true : undefined,
      'the comment to be used',
    );

    await fake.waitFor((received) => received.some((r) => r.status === 204), 10_000);
    const [notification] = fake.delivered();
    expect(notification?.roomId).toBe(1);
    expect(JSON.stringify(notification?.body)).toContain('New checkout');
    await shoot('flags');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    const ops = card('Ops room');
    await ops.getByRole('button', { name: 'Delivery log' }).click();
    const log = ops.getByRole('region', { name: 'Delivery log of Ops room' });
    const row = log.getByRole('row').filter({ hasText: 'turned on the flag' });
    await row.getByText('Delivered', { exact: true }).waitFor();
    expect(await row.textContent()).toMatch(/HTTP 204/);
    expect(await row.textContent()).toMatch(/\d+ ms/);
    // Health follows the delivery (the list refreshes every 2 s).
    await ops
      .locator('.health-grid')
      .getByText(/ago|just now/)
      .first()
      .waitFor();
  });

  it('rolls a refused switch back visibly, with the server’s reason (a reader may not switch a room off)', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
    await page.getByLabel('Email addresses').fill('reader@example.com');
    await page.getByLabel('Role').selectOption('reader');
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = await page.getByLabel('Invitation link for reader@example.com').inputValue();
    expect(link).toMatch(/\/accept-invitation#.+/);
    await page.getByRole('row').filter({ hasText: 'reader@example.com' }).getByText('Invited').waitFor();

    const readerContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const reader = await readerContext.newPage();
      reader.setDefaultTimeout(10_000);
      await reader.goto(link);
      await reader.getByLabel('Choose a password').fill('reader password 1');
      await reader.getByRole('button', { name: 'Join and sign in' }).click();
      await reader.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
      const toggle = reader.getByRole('switch', { name: 'Ops room notifications' });
      await toggle.click();
      const refusal = reader.getByRole('alert').filter({ hasText: 'Not switched off' });
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(
        /Not allowed: updateOn on integration\/[0-9a-f]{24}.*It is still on\./,
      );
      expect(await toggle.getAttribute('aria-checked')).toBe('true');
    } finally {
      await readerContext.close();
    }
    expect((await integrations())[0]?.on).toBe(true);
  });

  it('switches the integration off (by keyboard); turning the flag off then reaches nobody', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    const toggle = card('Ops room').getByRole('switch', { name: 'Ops room notifications' });
    await toggle.focus();
    await page.keyboard.press('Space');
    await card('Ops room').getByRole('switch', { name: 'Ops room notifications', checked: false }).waitFor();
    await until(
      async () => ((await integrations())[0]?.on === false ? true : undefined),
      'the server to switch it off',
    );

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flags' }).click();
    await page.getByRole('switch', { name: 'New checkout in Production', checked: true }).click();
    await page
      .getByRole('dialog', { name: 'Turn off New checkout in Production?' })
      .getByRole('button', { name: 'Turn off in Production' })
      .click();
    await page.getByRole('switch', { name: 'New checkout in Production', checked: false }).waitFor();
    const flag = await apiCall<{ environments: { production: { on: boolean } } }>(
      'GET',
      '/flags/default/new-checkout',
    );
    expect(flag.environments.production.on).toBe(false);

    // Give the worker time to send anything it (wrongly) queued.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(fake.delivered(1)).toHaveLength(1);
    const id = (await integrations())[0]?._id ?? '';
    const deliveries = await apiCall<{ items: unknown[] }>('GET', `/integrations/hipchat/${id}/deliveries`);
    expect(deliveries.items).toHaveLength(1);
  });

  it('shows the chat server’s 401 in the health of an integration with a wrong token', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('link', { name: 'Add integration' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('Release room');
    await page.getByLabel('Room ID or name').fill('1');
    await page.getByLabel('Room notification token').fill('not-the-room-token');
    await page.getByRole('button', { name: 'Kill switches in production' }).click();
    await page.getByRole('button', { name: 'Add integration', exact: true }).click();
    await page.waitForURL(/\/integrations\/hipchat\/[0-9a-f]{24}$/);

    const release = card('Release room');
    await release.getByRole('button', { name: 'Send test' }).click();
    // HipChat's 401 in words (issue 20), its answer as it was behind a disclosure.
    const answer = release.locator('.test-result .alert p').filter({ hasText: 'Test failed' });
    await answer.waitFor();
    expect(await answer.textContent()).toContain(
      'HipChat rejected the token (“Invalid OAuth session”) — check the room notification token',
    );
    const raw = release.locator('.test-result details');
    expect(await raw.locator('summary').textContent()).toBe('HipChat’s answer');
    expect(await raw.textContent()).toContain('HTTP 401');
    expect(await raw.locator('pre').textContent()).toContain('Invalid OAuth session');
    const lastError = release.locator('.health-last-error');
    await lastError.getByText(/the test below/).waitFor();

    // A real change that the filter lets through is refused the same way, and marks the room in error.
    await apiCall('PATCH', '/flags/default/dark-mode', {
      patch: [{ op: 'replace', path: '/environments/production/on', value: true }],
      comment: 'Try the dark theme',
    });
    await release.getByText(/In error/).waitFor();
    expect(await release.locator('.health-errored').textContent()).toContain('token rejected');
    await lastError.getByText(/HipChat rejected the token/).waitFor();
    expect(await lastError.textContent()).not.toContain('a test');

    await card('Ops room').getByRole('button', { name: 'Delivery log' }).click();
    await card('Ops room')
      .getByRole('region', { name: 'Delivery log of Ops room' })
      .getByText('Delivered', { exact: true })
      .waitFor();
    await page.getByRole('heading', { name: 'Integrations', level: 1 }).scrollIntoViewIfNeeded();
    await shoot('integrations');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('heading', { name: 'Integrations', level: 1 }).scrollIntoViewIfNeeded();
    // What the phone screenshot shows: nothing cut off, and who is signed in.
    expect(await overflowingText(page)).toEqual([]);
    expect(await page.getByRole('banner').getByText(owner.email, { exact: true }).isVisible()).toBe(true);
    await page.screenshot({ path: join(screenshots, 'integrations-phone.png'), animations: 'disabled' });
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('shows an audit entry’s before → after', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Resource', { exact: true }).fill('proj/default:env/production:flag/new-checkout');
    await page.getByRole('button', { name: 'Apply' }).click();
    const entries = page.getByRole('list', { name: 'Changes, newest first' }).getByRole('listitem');
    await entries.first().getByText('turned off the flag').waitFor();
    expect(await entries.nth(1).textContent()).toContain('turned on the flag');
    expect(await entries.nth(1).textContent()).toContain('Ship it');

    await entries
      .first()
      .getByRole('link', { name: /^Details/ })
      .click();
    const diff = page.getByRole('table').filter({ hasText: '/environments/production/on' });
    const row = diff.getByRole('row').filter({ hasText: '/environments/production/on' });
    await row.waitFor();
    expect((await row.textContent())?.replace(/\s+/g, ' ')).toContain('true→false');
    await shoot('audit-log');
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const session = await page.request.get(`${server.baseUrl}/api/v2/session`);
    expect(session.status()).toBe(401);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
