import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { expectAccessible } from './axe-check.js';
import { apiClient, launchChromium, ownerPage, startOwnerServer, tearDown, until } from './e2e-setup.js';

/**
 * The flag list and its switches in Chromium against a real server: a switch in Production (critical
 * by default, and here requiring comments) asks first, naming the flag and the environment, and
 * takes the comment; elsewhere a switch saves at once, says so, and is undone from that message;
 * environments side by side, filtered by tag and state, the filters kept in the address.
 */

const adminToken = 'api-e2e-web-flag-list-0123456789abcdef';

interface Flag {
  readonly environments: Record<string, { readonly on: boolean }>;
}
interface AuditPage {
  readonly items: { readonly title: string; readonly comment?: string }[];
}

let server: ServerProcess;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof apiClient>;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-flag-list-'));

const isOn = async (flag: string, env: string) =>
  (await api<Flag>('GET', `/flags/default/${flag}`)).environments[env]?.on;
const audit = (flag: string, env: string) =>
  api<AuditPage>('GET', `/auditlog?spec=proj/default:env/${env}:flag/${flag}`);
const focusedLabel = () => page.evaluate('document.activeElement?.getAttribute("aria-label") ?? null');
const rowNames = async () =>
  page.getByRole('table').getByRole('rowheader').getByRole('link').allTextContents();

beforeAll(async () => {
  server = await startOwnerServer(dir, adminToken);
  api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  await api('PATCH', '/projects/default/environments/production', [
    { op: 'replace', path: '/requireComments', value: true },
  ]);
  await api('POST', '/projects/default/environments', { key: 'staging', name: 'Staging', color: '1d4ed8' });
  await api('POST', '/flags/default', { key: 'new-checkout', name: 'New checkout', tags: ['checkout'] });
  await api('POST', '/flags/default', { key: 'dark-mode', name: 'Dark mode', tags: ['ui'] });
  await api('POST', '/flags/default', { key: 'search', name: 'Search', tags: ['ui', 'beta'] });
  browser = await launchChromium();
  page = await ownerPage(browser, server.baseUrl);
}, 90_000);

afterAll(() => tearDown(dir, browser, server));

describe('the flag list and its switches, in Chromium against a real server', { timeout: 60_000 }, () => {
  it('shows every environment side by side, each flag with a switch in each', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flags' }).click();
    await page.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
    const headers = page.getByRole('table').getByRole('columnheader');
    await headers.filter({ hasText: 'Staging' }).waitFor();
    expect(await headers.allTextContents()).toEqual(['Flag', 'Production', 'Test', 'Staging']);
    for (const env of ['Production', 'Test', 'Staging']) {
      expect(await page.getByRole('switch', { name: `Dark mode in ${env}` }).count()).toBe(1);
    }
    // The address names what is shown, so it can be shared.
    expect(new URL(page.url()).searchParams.get('env')).toBe('production,test,staging');
    await expectAccessible(page, 'the flag list');
  });

  it('asks before switching in Production: names flag and environment, requires the comment, Escape changes nothing', async () => {
    const toggle = page.getByRole('switch', { name: 'New checkout in Production' });
    await toggle.click();
    const dialog = page.getByRole('dialog', { name: 'Turn on New checkout in Production?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Production is a critical environment.');
    expect(await page.evaluate('document.activeElement?.closest("dialog") !== null')).toBe(true);
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    await expectAccessible(page, 'the toggle confirmation');

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focusedLabel()).toBe('New checkout in Production');
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    expect(await isOn('new-checkout', 'production')).toBe(false);

    await toggle.click();
    await dialog.getByRole('button', { name: 'Turn on in Production' }).click();
    await dialog.getByText('Production requires a comment with every change.').waitFor();
    expect(await dialog.isVisible()).toBe(true);
    expect(await isOn('new-checkout', 'production')).toBe(false);

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await focusedLabel()).toBe('New checkout in Production');
    expect(await isOn('new-checkout', 'production')).toBe(false);
    expect((await audit('new-checkout', 'production')).items.some((e) => /turned on/.test(e.title))).toBe(
      false,
    );
  });

  it('switches in Production once confirmed with a comment, which the audit entry carries', async () => {
    const toggle = page.getByRole('switch', { name: 'New checkout in Production' });
    await toggle.click();
    const dialog = page.getByRole('dialog', { name: 'Turn on New checkout in Production?' });
    await dialog.getByLabel(/Comment/).fill('Launch day');
    await dialog.getByRole('button', { name: 'Turn on in Production' }).click();
    await page.getByRole('switch', { name: 'New checkout in Production', checked: true }).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: 'Turned on New checkout in Production · comment attached' })
      .waitFor();
    expect(await focusedLabel()).toBe('New checkout in Production');
    expect(await isOn('new-checkout', 'production')).toBe(true);
    const [latest] = (await audit('new-checkout', 'production')).items;
    expect(latest?.title).toContain('turned on the flag');
    expect(latest?.comment).toBe('Launch day');
  });

  it('switches elsewhere at once, says the comment went with it, and undoes it from that message', async () => {
    const comment = page.getByLabel('Comment for your next change');
    await comment.fill('Try it in test');
    await page.getByRole('switch', { name: 'Dark mode in Test' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Turned on Dark mode in Test' });
    await status.waitFor();
    expect(await status.textContent()).toContain('· comment attached');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await comment.inputValue()).toBe('');
    expect(await isOn('dark-mode', 'test')).toBe(true);
    expect((await audit('dark-mode', 'test')).items[0]?.comment).toBe('Try it in test');

    await status.getByRole('button', { name: 'Undo' }).click();
    const undone = page.getByRole('status').filter({ hasText: 'Turned off Dark mode in Test' });
    await undone.waitFor();
    expect(await undone.textContent()).not.toContain('comment attached');
    await page.getByRole('switch', { name: 'Dark mode in Test', checked: false }).waitFor();
    await until(async () => ((await isOn('dark-mode', 'test')) === false ? true : undefined), 'the undo');
    // The undo is a change of its own: turned on, then turned off.
    const titles = (await audit('dark-mode', 'test')).items.map((e) => e.title);
    expect(titles[0]).toContain('turned off the flag');
    expect(titles[1]).toContain('turned on the flag');
  });

  it('filters by tag and by state in an environment, and a link keeps the filters', async () => {
    await page.getByLabel('Tag', { exact: true }).selectOption('ui');
    await until(async () => ((await rowNames()).length === 2 ? true : undefined), 'the ui flags');
    expect(await rowNames()).toEqual(['Dark mode', 'Search']);
    expect(new URL(page.url()).searchParams.get('tag')).toBe('ui');

    await page.getByLabel('Tag', { exact: true }).selectOption('');
    await page.getByLabel('State', { exact: true }).selectOption('on');
    await page.getByLabel('In environment').selectOption('production');
    await until(async () => ((await rowNames()).length === 1 ? true : undefined), 'the flags on');
    expect(await rowNames()).toEqual(['New checkout']);
    expect(new URL(page.url()).searchParams.get('state')).toBe('on:production');

    await page.getByLabel('State', { exact: true }).selectOption('off');
    await until(async () => ((await rowNames()).length === 2 ? true : undefined), 'the flags off');
    expect(await rowNames()).toEqual(['Dark mode', 'Search']);

    await page.getByLabel('Tag', { exact: true }).selectOption('beta');
    await until(async () => ((await rowNames()).length === 1 ? true : undefined), 'the beta flags off');
    const link = page.url();
    const other = await ownerPage(browser, server.baseUrl);
    try {
      await other.goto(link);
      await other.getByRole('table').getByRole('link', { name: 'Search' }).waitFor();
      expect(await other.getByRole('table').getByRole('rowheader').count()).toBe(1);
      expect(await other.getByLabel('Tag', { exact: true }).inputValue()).toBe('beta');
      expect(await other.getByLabel('State', { exact: true }).inputValue()).toBe('off');
      expect(await other.getByLabel('In environment').inputValue()).toBe('production');
    } finally {
      await other.context().close();
    }
    await page.getByLabel('State', { exact: true }).selectOption('archived');
    await page.getByText('No flag matches.').waitFor();
  });

  it('remembers which environments are shown, and stays usable at phone width', async () => {
    await page.goto(`${server.baseUrl}/flags?project=default`);
    await page.getByRole('switch', { name: 'Search in Staging' }).waitFor();
    await page.getByRole('checkbox', { name: 'Staging' }).uncheck();
    await page.getByRole('switch', { name: 'Search in Staging' }).waitFor({ state: 'detached' });
    expect(new URL(page.url()).searchParams.get('env')).toBe('production,test');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flags' }).click();
    await page.getByRole('switch', { name: 'Search in Test' }).waitFor();
    expect(await page.getByRole('switch', { name: 'Search in Staging' }).count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('env')).toBe('production,test');

    await page.setViewportSize({ width: 390, height: 844 });
    try {
      // The page itself does not scroll sideways; the environment columns do, inside the table.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      const inTest = page.getByRole('switch', { name: 'Search in Test' });
      await inTest.scrollIntoViewIfNeeded();
      await inTest.click();
      await page.getByRole('status').filter({ hasText: 'Turned on Search in Test' }).waitFor();
      expect(await isOn('search', 'test')).toBe(true);
      await expectAccessible(page, 'the flag list at phone width');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('asks on the flag’s own page too, and cancelling leaves the flag as it was', async () => {
    await page.goto(`${server.baseUrl}/default/production/features/search`);
    const toggle = page.getByRole('switch', { name: 'Search in Production' });
    await toggle.click();
    const dialog = page.getByRole('dialog', { name: 'Turn on Search in Production?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await focusedLabel()).toBe('Search in Production');
    expect(await isOn('search', 'production')).toBe(false);

    await page.getByLabel('Comment for this change').fill('Search for everyone');
    await toggle.click();
    expect(await dialog.getByLabel(/Comment/).inputValue()).toBe('Search for everyone');
    await dialog.getByRole('button', { name: 'Turn on in Production' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Turned on Search in Production · comment attached' })
      .waitFor();
    expect(await isOn('search', 'production')).toBe(true);
    expect((await audit('search', 'production')).items[0]?.comment).toBe('Search for everyone');
    await expectAccessible(page, 'the flag page after a toggle');
  });
});
