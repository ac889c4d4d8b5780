import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { apiClient, launchChromium, signInAsOwner, startOwnerServer, tearDown } from './e2e-setup.js';

/**
 * The SDK keys page in Chromium against a real server: keys shown masked and copied whole, a key
 * rotated with a grace period (both keys then read flags over HTTP) and one rotated at once (the
 * old key is refused), the "Connect an SDK" snippet naming this server, and a reader who sees
 * no key at all.
 */

const adminToken = 'api-e2e-web-sdk-keys-0123456789abcdef';

interface Env {
  readonly _id: string;
  readonly apiKey: string;
  readonly mobileKey: string;
}

let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let api: ReturnType<typeof apiClient>;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-sdk-keys-'));

const production = (): Locator => page.getByRole('region', { name: /^Production/ });
const latestAll = async (key: string): Promise<number> =>
  (await fetch(`${server.baseUrl}/sdk/latest-all`, { headers: { authorization: key } })).status;

beforeAll(async () => {
  server = await startOwnerServer(dir, adminToken);
  api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await signInAsOwner(page, server.baseUrl);
}, 90_000);

afterAll(() => tearDown(dir, browser, server));

describe('SDK keys in the web UI', { timeout: 30_000 }, () => {
  it('shows each key masked and copies it whole', async () => {
    const env = await api<Env>('GET', '/projects/default/environments/production');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'SDK keys' }).click();
    await page.getByRole('heading', { name: 'SDK keys', level: 1 }).waitFor();
    const field = production().getByRole('textbox', { name: /SDK key/ });
    await expect.poll(() => field.inputValue()).toBe(`sdk-••••••••${env.apiKey.slice(-4)}`);
    expect(await page.content()).not.toContain(env.apiKey);
    await production().getByRole('button', { name: 'Copy the SDK key of Production' }).click();
    await production()
      .getByRole('button', { name: 'Copy the SDK key of Production' })
      .getByText('Copied')
      .waitFor();
    // A string: the test's own TypeScript has no DOM types.
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(env.apiKey);
    await expect
      .poll(() =>
        production()
          .getByRole('textbox', { name: /Client-side ID/ })
          .inputValue(),
      )
      .toBe(env._id);
  });

  it('rotates the SDK key with a grace period from the keyboard: both keys read flags until then', async () => {
    const before = await api<Env>('GET', '/projects/default/environments/production');
    expect(await latestAll(before.apiKey)).toBe(200);
    await production().getByRole('button', { name: 'Rotate the SDK key of Production' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Rotate the SDK key of Production?' });
    await dialog.waitFor();
    await dialog.getByLabel('The old key').selectOption({ label: 'Works 1 more hour' });
    await dialog.getByRole('button', { name: 'Rotate SDK key' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await production()
      .getByRole('status')
      .getByText(/New SDK key for Production\. The old one works until/)
      .waitFor();

    const after = await api<Env>('GET', '/projects/default/environments/production');
    expect(after.apiKey).not.toBe(before.apiKey);
    expect(after.mobileKey).toBe(before.mobileKey);
    await expect
      .poll(() =>
        production()
          .getByRole('textbox', { name: /SDK key/ })
          .inputValue(),
      )
      .toBe(`sdk-••••••••${after.apiKey.slice(-4)}`);
    expect(await latestAll(after.apiKey)).toBe(200);
    expect(await latestAll(before.apiKey)).toBe(200);

    const entries = await api<{ items: { title: string }[] }>('GET', '/auditlog?limit=1');
    expect(entries.items[0]?.title).toContain('reset the SDK key of the environment');
  });

  it('rotates at once: the old key is refused, and Escape cancels without rotating', async () => {
    const before = await api<Env>('GET', '/projects/default/environments/production');
    const rotate = production().getByRole('button', { name: 'Rotate the SDK key of Production' });
    await rotate.click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the SDK key of Production?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect((await api<Env>('GET', '/projects/default/environments/production')).apiKey).toBe(before.apiKey);

    await rotate.click();
    await dialog.getByLabel('The old key').selectOption({ label: 'Stops at once' });
    await dialog.getByRole('button', { name: 'Rotate SDK key' }).click();
    await production()
      .getByRole('status')
      .getByText(/The old one no longer works/)
      .waitFor();
    const after = await api<Env>('GET', '/projects/default/environments/production');
    expect(await latestAll(before.apiKey)).toBe(401);
    expect(await latestAll(after.apiKey)).toBe(200);
  });

  it('shows how to connect the Node.js SDK to this server', async () => {
    const panel = page.getByRole('region', { name: 'Connect an SDK' });
    const snippet = (await panel.locator('pre').textContent()) ?? '';
    for (const option of ['baseUri', 'streamUri', 'eventsUri']) {
      expect(snippet).toContain(`${option}: '${server.baseUrl}'`);
    }
    expect(snippet).toContain('init(sdkKey, {');
  });

  it('shows a reader no key, only that it is hidden, and refuses their rotation', async () => {
    const invited = await api<{ items: { _inviteUrl: string }[] }>('POST', '/members', [
      { email: 'reader@example.com', role: 'reader' },
    ]);
    const readerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const reader = await readerContext.newPage();
      reader.setDefaultTimeout(10_000);
      await reader.goto(invited.items[0]?._inviteUrl ?? '');
      await reader.getByLabel('Choose a password').fill('reader password 1');
      await reader.getByRole('button', { name: 'Join and sign in' }).click();
      await reader.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
      // The server's link for an environment change opens its keys.
      await reader.goto(`${server.baseUrl}/settings/projects/default/environments/production`);
      const env = reader.getByRole('region', { name: /^Production/ });
      await env.getByText('Hidden: you need viewSdkKey on this environment to see it.').first().waitFor();
      expect(await env.getByRole('button', { name: /^Copy the (SDK|mobile) key/ }).count()).toBe(0);
      const keys = await api<Env>('GET', '/projects/default/environments/production');
      expect(await reader.content()).not.toContain(keys.apiKey);

      await env.getByRole('button', { name: 'Rotate the mobile key of Production' }).click();
      const dialog = reader.getByRole('dialog', { name: 'Rotate the mobile key of Production?' });
      await dialog.getByRole('button', { name: 'Rotate mobile key' }).click();
      await dialog
        .getByRole('alert')
        .getByText(/Not allowed: updateMobileKey/)
        .waitFor();
      expect((await api<Env>('GET', '/projects/default/environments/production')).mobileKey).toBe(
        keys.mobileKey,
      );
    } finally {
      await readerContext.close();
    }
  });
});
