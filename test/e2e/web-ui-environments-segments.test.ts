import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { expectAccessible } from './axe-check.js';
import { apiClient, launchChromium, ownerPage, startOwnerServer, tearDown } from './e2e-setup.js';

/**
 * The environments and segments pages, in Chromium against a real server: an environment created,
 * renamed, recoloured and made to require comments and confirmation, then deleted once its key is
 * typed; a segment created, keys pasted in, a rule added, saved, deleted.
 */

const adminToken = 'api-e2e-web-environments-0123456789abcdef';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof apiClient>;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-environments-'));

interface EnvView {
  name: string;
  color: string;
  requireComments: boolean;
  confirmChanges: boolean;
  critical: boolean;
}

beforeAll(async () => {
  server = await startOwnerServer(dir, adminToken);
  api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  browser = await launchChromium();
  page = await ownerPage(browser, server.baseUrl);
}, 90_000);

afterAll(() => tearDown(dir, browser, server));

describe('the environments and segments pages, in Chromium against a real server', {
  timeout: 60_000,
}, () => {
  it('creates, edits and deletes an environment', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Environments' }).click();
    await page.getByRole('heading', { name: 'Environments', level: 1 }).waitFor();
    await page.getByRole('article', { name: /Production/ }).waitFor();
    await page.getByLabel('Key', { exact: true }).fill('staging');
    await page.getByLabel('Environment name').fill('Staging');
    await page.getByRole('button', { name: 'Create environment' }).click();
    const card = page.getByRole('article', { name: /Staging/ });
    await card.waitFor();
    await expectAccessible(page, 'the environments page');

    await card.getByLabel('Name').fill('Staging EU');
    await card.getByLabel('Colour').fill('#1d4ed8');
    await card.getByLabel('Require a comment with every change').check();
    await card.getByLabel(/Ask for confirmation/).check();
    await card.getByRole('button', { name: 'Save Staging' }).click();
    await page.getByRole('article', { name: /Staging EU/ }).waitFor();
    expect(await api<EnvView>('GET', '/projects/default/environments/staging')).toMatchObject({
      name: 'Staging EU',
      color: '1d4ed8',
      requireComments: true,
      confirmChanges: true,
      critical: false,
    });
    expect(
      await page
        .getByRole('article', { name: /Staging EU/ })
        .getByRole('link', { name: 'SDK keys' })
        .getAttribute('href'),
    ).toBe('/settings/projects/default/environments/staging');

    const edited = page.getByRole('article', { name: /Staging EU/ });
    await edited.getByRole('button', { name: 'Delete Staging EU' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the environment Staging EU?' });
    expect(await dialog.getByRole('button', { name: 'Delete for good' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Type the environment key to confirm').fill('staging');
    await dialog.getByRole('button', { name: 'Delete for good' }).click();
    await edited.waitFor({ state: 'detached' });
    await expect(api('GET', '/projects/default/environments/staging')).rejects.toThrow(/404/);
  });

  it('creates a segment, pastes its keys, adds a rule, saves and deletes it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Segments' }).click();
    await page.waitForURL(/\/default\/production\/segments$/);
    await page.getByText('No segments here yet.').waitFor();
    await page.getByLabel('Segment key').fill('beta-testers');
    await page.getByLabel('Segment name').fill('Beta testers');
    await page.getByRole('button', { name: 'Create segment' }).click();
    await page.getByRole('heading', { name: 'Beta testers', level: 1 }).waitFor();
    await page.getByLabel(/Included user keys/).fill('alice, bob\ncarol');
    await page.getByLabel('Included user keys (3)').waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Rule 1, clause 1: attribute').fill('email');
    await page.getByLabel('Rule 1, clause 1: operator').selectOption({ label: 'ends with' });
    await page.getByLabel('Rule 1, clause 1: values, one per line').fill('@example.com');
    await expectAccessible(page, 'a segment with unsaved changes');
    await page.getByLabel('Comment for this change').fill('Beta group');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved the segment.' }).waitFor();
    const saved = await api<{ included: string[]; rules: { clauses: unknown[] }[] }>(
      'GET',
      '/segments/default/production/beta-testers',
    );
    expect(saved.included).toEqual(['alice', 'bob', 'carol']);
    expect(saved.rules[0]?.clauses).toEqual([
      expect.objectContaining({
        attribute: 'email',
        op: 'endsWith',
        values: ['@example.com'],
        negate: false,
      }),
    ]);

    await page.getByRole('button', { name: 'Delete segment' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete segment' }).click();
    await page.getByText('No segments here yet.').waitFor();
    await expect(api('GET', '/segments/default/production/beta-testers')).rejects.toThrow(/404/);
  });
});
