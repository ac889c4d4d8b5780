import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { apiClient, launchChromium, ownerPage, startOwnerServer, tearDown } from './e2e-setup.js';

/**
 * "Copy to environment…" on a flag's page in Chromium against a real server: the settings shown
 * in Test replace those in Production, with the comment in the audit log; a copy made from a
 * page whose Test settings changed meanwhile is refused and says so, copying nothing.
 */

const adminToken = 'api-e2e-web-flag-copy-0123456789abcdef';

interface FlagEnv {
  readonly on: boolean;
  readonly version: number;
  readonly targets: unknown[];
}
interface Flag {
  readonly environments: Record<string, FlagEnv>;
}

let server: ServerProcess;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof apiClient>;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-flag-copy-'));

beforeAll(async () => {
  server = await startOwnerServer(dir, adminToken);
  api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  await api('POST', '/flags/default', { key: 'new-checkout', name: 'New checkout' });
  await api('PATCH', '/flags/default/new-checkout', [
    { op: 'replace', path: '/environments/test/on', value: true },
    { op: 'add', path: '/environments/test/targets/-', value: { values: ['qa-1'], variation: 1 } },
  ]);
  browser = await launchChromium();
  page = await ownerPage(browser, server.baseUrl);
}, 90_000);

afterAll(() => tearDown(dir, browser, server));

describe('Copy to environment on the flag page', { timeout: 30_000 }, () => {
  it('copies the Test settings into Production, with the comment', async () => {
    await page.goto(`${server.baseUrl}/default/test/features/new-checkout`);
    await page.getByRole('heading', { name: 'On in Test' }).waitFor();
    await page.getByRole('button', { name: 'Copy to environment…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy the settings of Test to another environment?' });
    await dialog.waitFor();
    await dialog.getByLabel('Copy to').selectOption({ label: 'Production' });
    await dialog.getByLabel('Comment').fill('QA signed off');
    await dialog.getByRole('button', { name: 'Copy to Production' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('status').getByText('Copied the settings to Production.').waitFor();

    const flag = await api<Flag>('GET', '/flags/default/new-checkout');
    expect(flag.environments.production?.on).toBe(true);
    expect(flag.environments.production?.targets).toEqual(flag.environments.test?.targets);
    const entries = await api<{ items: { title: string; comment?: string }[] }>('GET', '/auditlog?limit=1');
    expect(entries.items[0]?.title).toContain('copied the settings of `Test` into the flag');
    expect(entries.items[0]?.comment).toBe('QA signed off');
  });

  it('refuses to copy settings that changed since the page showed them', async () => {
    await page.goto(`${server.baseUrl}/default/test/features/new-checkout`);
    await page.getByRole('heading', { name: 'On in Test' }).waitFor();
    await page.getByRole('button', { name: 'Copy to environment…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy the settings of Test to another environment?' });
    await dialog.waitFor();
    // Someone else turns the flag off in Test while the dialog is open.
    await api('PATCH', '/flags/default/new-checkout', [
      { op: 'replace', path: '/environments/test/on', value: false },
    ]);
    await dialog.getByRole('button', { name: 'Copy to Production' }).click();
    await dialog.getByText('Could not copy the settings.').waitFor();
    const flag = await api<Flag>('GET', '/flags/default/new-checkout');
    expect(flag.environments.production?.on).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });
});
