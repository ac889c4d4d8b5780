import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { apiClient, launchChromium, ownerPage, startOwnerServer } from './e2e-setup.js';

it('debug', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dbg-'));
  const server = await startOwnerServer(dir, 'api-e2e-debug-0123456789abcdef');
  const api = apiClient(server.baseUrl, 'api-e2e-debug-0123456789abcdef');
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  await api('POST', '/flags/default', { key: 'dark-mode', name: 'Dark mode', tags: ['ui'] });
  const browser = await launchChromium();
  const page = await ownerPage(browser, server.baseUrl);
  page.on('console', (m) => console.log('CONSOLE', m.text()));
  page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
  await page.goto(`${server.baseUrl}/flags`);
  await page.waitForTimeout(3000);
  console.log(page.url());
  console.log(await page.locator('main').innerText());
  await browser.close();
  await server.stop();
}, 60_000);
