import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { expectAccessible } from './axe-check.js';
import { apiClient, launchChromium, ownerPage, startOwnerServer, tearDown } from './e2e-setup.js';

/**
 * A flag's settings and variations page, in Chromium against a real server: settings saved as one
 * change, variations added and removed (and the one still served kept, with the reason), archive
 * and restore, and a delete that asks for the key first.
 */

const adminToken = 'api-e2e-web-flag-settings-0123456789abcdef';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof apiClient>;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-flag-settings-'));

interface FlagView {
  name: string;
  tags: string[];
  temporary: boolean;
  archived: boolean;
  maintainerId?: string;
  clientSideAvailability: { usingEnvironmentId: boolean; usingMobileKey: boolean };
  variations: { value: unknown; name?: string }[];
}

beforeAll(async () => {
  server = await startOwnerServer(dir, adminToken);
  api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  await api('POST', '/flags/default', {
    key: 'search-ranking',
    name: 'Search ranking',
    variations: [{ value: 'classic' }, { value: 'semantic' }, { value: 'hybrid' }],
  });
  await api('POST', '/flags/default', { key: 'old-banner', name: 'Old banner' });
  browser = await launchChromium();
  page = await ownerPage(browser, server.baseUrl);
}, 90_000);

afterAll(() => tearDown(dir, browser, server));

describe('flag settings and variations, in Chromium against a real server', { timeout: 60_000 }, () => {
  it('saves name, tags, lifetime, maintainer and client-side availability as one change', async () => {
    await page.goto(`${server.baseUrl}/default/production/features/search-ranking`);
    await page
      .getByRole('navigation', { name: 'Flag views' })
      .getByRole('link', { name: /Settings/ })
      .click();
    await page.waitForURL(/\/default\/production\/features\/search-ranking\/settings$/);
    const settings = page.getByRole('region', { name: 'Settings' });
    await settings.getByLabel('Name').fill('Search ranking v2');
    await settings.getByLabel('Tags').fill('search, ranking');
    await settings.getByLabel(/Temporary/).uncheck();
    await settings.getByLabel('Maintainer').selectOption({ label: 'owner@example.com' });
    await settings.getByLabel(/client-side ID/).check();
    await settings.getByLabel('Comment for this change').fill('Ranking is here to stay');
    await expectAccessible(page, 'the flag settings page');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('status').filter({ hasText: 'Saved the settings.' }).waitFor();
    const flag = await api<FlagView>('GET', '/flags/default/search-ranking');
    expect(flag).toMatchObject({
      name: 'Search ranking v2',
      tags: ['search', 'ranking'],
      temporary: false,
      clientSideAvailability: { usingEnvironmentId: true, usingMobileKey: false },
    });
    expect(flag.maintainerId).toMatch(/^[0-9a-f]{24}$/);
    const audit = await api<{ items: { comment?: string }[] }>(
      'GET',
      '/auditlog?spec=proj/default:env/*:flag/search-ranking',
    );
    expect(audit.items.filter((e) => e.comment === 'Ranking is here to stay')).toHaveLength(1);
  });

  it('adds a variation and removes an unused one; one still served cannot be removed, and says why', async () => {
    const variations = page.getByRole('region', { name: 'Variations' });
    // "hybrid" is the off variation everywhere: kept, with the reason next to the button.
    expect(await variations.getByRole('button', { name: 'Remove variation 3' }).isDisabled()).toBe(true);
    await variations
      .getByText(/In use: .*the off variation in Production/)
      .first()
      .waitFor();
    await variations.getByRole('button', { name: 'Remove variation 2' }).click();
    await variations.getByRole('button', { name: 'Add variation' }).click();
    await variations.getByLabel('Variation 3: value').fill('"neural"');
    await variations.getByLabel('Variation 3: name').fill('Neural');
    await variations.getByLabel('Variation 1: name').fill('Classic');
    await variations.getByRole('button', { name: 'Save variations (3 changes)' }).click();
    await variations.getByRole('button', { name: /Save variations/ }).waitFor({ state: 'detached' });
    const flag = await api<FlagView>('GET', '/flags/default/search-ranking');
    expect(flag.variations.map((v) => [v.value, v.name])).toEqual([
      ['classic', 'Classic'],
      ['hybrid', undefined],
      ['neural', 'Neural'],
    ]);
  });

  it('archives and restores the flag', async () => {
    const lifecycle = page.getByRole('region', { name: 'Archive or delete' });
    await lifecycle.getByRole('button', { name: 'Archive flag' }).click();
    await lifecycle.getByRole('button', { name: 'Restore flag' }).waitFor();
    expect((await api<FlagView>('GET', '/flags/default/search-ranking')).archived).toBe(true);
    await lifecycle.getByRole('button', { name: 'Restore flag' }).click();
    await lifecycle.getByRole('button', { name: 'Archive flag' }).waitFor();
    expect((await api<FlagView>('GET', '/flags/default/search-ranking')).archived).toBe(false);
  });

  it('deletes a flag only once its key is typed', async () => {
    await page.goto(`${server.baseUrl}/default/production/features/old-banner/settings`);
    await page.getByRole('button', { name: 'Delete flag' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the flag Old banner?' });
    const confirm = dialog.getByRole('button', { name: 'Delete for good' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the flag key to confirm').fill('old-banner');
    await confirm.click();
    await page.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
    await expect(api('GET', '/flags/default/old-banner')).rejects.toThrow(/404/);
  });
});
