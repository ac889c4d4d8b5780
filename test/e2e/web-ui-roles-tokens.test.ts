import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { expectAccessible } from './axe-check.js';
import { apiClient, launchChromium, ownerPage, startOwnerServer, tearDown } from './e2e-setup.js';

/**
 * Custom roles and access tokens in the web UI, in Chromium against a real server: a role's policy
 * written with a mistake is marked in the editor and not saved, then fixed and saved, and the role
 * lists who holds it; a token created in the page works with `fetch` until it is deleted.
 */

const adminToken = 'api-e2e-web-roles-tokens-0123456789abcdef';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof apiClient>;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-roles-tokens-'));

const nav = (name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

beforeAll(async () => {
  server = await startOwnerServer(dir, adminToken);
  api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  await api('POST', '/flags/default', { key: 'new-checkout', name: 'New checkout' });
  browser = await launchChromium();
  page = await ownerPage(browser, server.baseUrl);
}, 90_000);

afterAll(() => tearDown(dir, browser, server));

describe('custom roles and access tokens, in Chromium against a real server', { timeout: 60_000 }, () => {
  it('marks a mistake in a role policy, saves nothing, and saves once it is fixed', async () => {
    await nav('Roles');
    await page.getByRole('heading', { name: 'Roles', level: 1 }).waitFor();
    await page.getByText('No custom roles yet.').waitFor();
    await page.getByRole('link', { name: 'Create role' }).click();
    await page.waitForURL(/\/settings\/roles\/new$/);
    await page.getByLabel('Key', { exact: true }).fill('release-managers');
    await page.getByLabel('Name', { exact: true }).fill('Release managers');
    const policy = page.getByLabel('Role policy (JSON)');
    await policy.fill(
      JSON.stringify(
        [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actionz: ['updateOn'] }],
        null,
        2,
      ),
    );
    expect(await policy.getAttribute('aria-invalid')).toBe('true');
    await page.locator('.issue-error').first().waitFor();
    expect(await page.locator('.issue-error').first().textContent()).toMatch(/Statement 1/);
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByText('The policy has problems, marked in the editor: fix them first.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/settings/roles/new');
    await expectAccessible(page, 'the role form with a policy mistake');

    await policy.fill(
      JSON.stringify(
        [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['updateOn'] }],
        null,
        2,
      ),
    );
    await page.getByText('Valid: 1 statement.').waitFor();
    expect(await policy.getAttribute('aria-invalid')).toBeNull();
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.waitForURL(/\/settings\/roles\/release-managers$/);
    await page.getByRole('heading', { name: 'Release managers', level: 1 }).waitFor();
    const role = await api<{ policy: unknown }>('GET', '/roles/release-managers');
    expect(role.policy).toEqual([
      { effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['updateOn'] },
    ]);
  });

  it('lists who holds a role', async () => {
    await api('POST', '/members', [
      { email: 'ariel@example.com', role: 'reader', customRoles: ['release-managers'] },
    ]);
    await nav('Roles');
    const row = page.getByRole('row').filter({ hasText: 'Release managers' });
    await row.getByText('ariel@example.com').waitFor();
    await row.getByRole('link', { name: 'Release managers' }).click();
    await page.getByRole('region', { name: 'Held by' }).getByText('ariel@example.com').first().waitFor();
    await expectAccessible(page, 'a role with its holders');
  });

  it('creates a token whose secret is shown once and works with fetch until deleted', async () => {
    await nav('Tokens');
    await page.getByRole('heading', { name: 'Access tokens', level: 1 }).waitFor();
    await page.getByLabel('Token name').fill('CI deploys');
    await page.getByLabel('Role', { exact: true }).selectOption('writer');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secretField = page.getByLabel('Access token CI deploys', { exact: true });
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await page.getByRole('row').filter({ hasText: 'CI deploys' }).getByText('writer').waitFor();
    await expectAccessible(page, 'the tokens page with a new secret');

    const call = () =>
      fetch(`${server.baseUrl}/api/v2/flags/default`, { headers: { authorization: secret } });
    const ok = await call();
    expect(ok.status).toBe(200);
    expect(JSON.stringify(await ok.json())).toContain('new-checkout');

    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByLabel('Access token CI deploys', { exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: 'Delete CI deploys' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete token' }).click();
    await page.getByRole('row').filter({ hasText: 'CI deploys' }).waitFor({ state: 'detached' });
    expect((await call()).status).toBe(401);
  });
});
