import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import {
  apiClient,
  ensureWebBuild,
  freePort,
  launchChromium,
  owner,
  root,
  signInAsOwner,
} from './e2e-setup.js';

/**
 * The end-to-end proof: LaunchDarkly's official browser SDK (`@launchdarkly/js-client-sdk`
 * from npm, bundled by Vite into a test page served from another origin, so CORS is real) in
 * Chromium against a real Switchboard: it initializes for a context by streaming `/eval`, and a
 * toggle made in the web UI in another tab changes the value it shows. The same UI's "Try a
 * context" explains the value.
 */

const run = promisify(execFile);
const adminToken = 'api-e2e-web-client-sdk-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-client-sdk-'));
const pageDir = join(dir, 'page');

let server: ServerProcess;
let pageServer: Server;
let pageBase: string;
let browser: Browser;
let app: Page;
let ui: Page;
let envId: string;

/** Serves the built test page: a static origin of its own, as a real application would be. */
async function servePage(): Promise<void> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
  pageServer = createServer((request, response) => {
    const path =
      normalize(new URL(request.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    readFile(join(pageDir, path)).then(
      (body) => response.writeHead(200, { 'content-type': types[extname(path)] ?? 'text/plain' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve) => pageServer.listen(port, '127.0.0.1', resolve));
  // localhost, not 127.0.0.1: another origin than the server's.
  pageBase = `http://localhost:${port}`;
}

beforeAll(async () => {
  const [, port] = await Promise.all([
    ensureWebBuild(),
    freePort(),
    // NODE_ENV=production: Vitest's `test` would bundle development builds.
    run(
      process.execPath,
      [
        join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        join(root, 'test', 'e2e', 'client-sdk-page'),
        '--outDir',
        pageDir,
        '--emptyOutDir',
        '--logLevel',
        'error',
      ],
      { cwd: root, env: { ...process.env, NODE_ENV: 'production' } },
    ),
  ]);
  await servePage();
  server = await startServerProcess({
    PORT: String(port),
    SWITCHBOARD_BASE_URL: `http://127.0.0.1:${port}`,
    SWITCHBOARD_DATABASE_URL: `sqlite:${join(dir, 'switchboard.db')}`,
    SWITCHBOARD_ADMIN_EMAIL: owner.email,
    SWITCHBOARD_ADMIN_PASSWORD: owner.password,
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
  });
  const api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  await api('POST', '/flags/default', { key: 'checkout', name: 'Checkout' });
  await api('PATCH', '/flags/default/checkout', [
    {
      op: 'replace',
      path: '/clientSideAvailability',
      value: { usingEnvironmentId: true, usingMobileKey: false },
    },
    { op: 'replace', path: '/environments/production/on', value: true },
    { op: 'replace', path: '/environments/production/fallthrough', value: { variation: 1 } },
    { op: 'replace', path: '/environments/production/offVariation', value: 1 },
    {
      op: 'replace',
      path: '/environments/production/rules',
      value: [
        {
          _id: 'r-acme',
          description: 'Acme staff',
          clauses: [{ attribute: 'email', op: 'endsWith', values: ['@acme.com'], negate: false }],
          variation: 0,
          trackEvents: false,
        },
      ],
    },
  ]);
  envId = (await api<{ _id: string }>('GET', '/projects/default/environments/production'))._id;
  browser = await launchChromium();
  app = await (await browser.newContext()).newPage();
  ui = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  for (const page of [app, ui]) page.setDefaultTimeout(10_000);
  await signInAsOwner(ui, server.baseUrl);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => pageServer?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const text = (page: Page, id: string) => page.locator(`#${id}`).textContent();

describe('the official browser SDK against Switchboard', { timeout: 60_000 }, () => {
  it('initializes for a context and follows a toggle made in the UI, by streaming', async () => {
    const query = new URLSearchParams({
      base: server.baseUrl,
      id: envId,
      key: 'dana',
      email: 'dana@acme.com',
    });
    const logs: string[] = [];
    const requests: string[] = [];
    app.on('console', (message) => logs.push(message.text()));
    app.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    await app.goto(`${pageBase}/?${query}`);
    await expect
      .poll(() => text(app, 'status'), { timeout: 15_000, message: logs.join('\n') })
      .toBe('complete');
    expect(await text(app, 'value')).toBe('true');

    const polls = requests.filter((r) => r.includes('/evalx/')).length;
    await ui.goto(`${server.baseUrl}/default/production/features/checkout`);
    const toggle = ui.getByRole('switch', { name: 'Checkout in Production' });
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');
    await toggle.click();
    // Production is critical: each switch there is confirmed first.
    await ui.getByRole('dialog').getByRole('button', { name: 'Turn off in Production' }).click();
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');

    // The browser SDK hears it on its stream: no reload, no poll.
    await expect.poll(() => text(app, 'value'), { timeout: 10_000 }).toBe('false');
    expect(Number(await text(app, 'changes'))).toBeGreaterThanOrEqual(1);
    expect(requests.some((r) => r.startsWith(`GET /eval/${envId}/`))).toBe(true);
    // The change came on that stream: the SDK's one evalx (its first answer) was not repeated.
    expect(requests.filter((r) => r.includes('/evalx/'))).toHaveLength(polls);
    await toggle.click();
    await ui.getByRole('dialog').getByRole('button', { name: 'Turn on in Production' }).click();
    await expect.poll(() => text(app, 'value'), { timeout: 10_000 }).toBe('true');
  });

  it('explains in "Try a context" which rule serves a context, from the keyboard', async () => {
    await ui.goto(`${server.baseUrl}/default/production/features/checkout`);
    const card = ui.getByRole('region', { name: 'Try a context' });
    await card.getByLabel('Key').fill('dana');
    await card.getByRole('button', { name: 'Add attribute' }).click();
    await card.getByLabel('Attribute 1 name').fill('email');
    await card.getByLabel('Attribute 1 value').fill('dana@acme.com');
    await card.getByLabel('Attribute 1 value').press('Enter');
    const result = card.getByRole('status');
    await expect.poll(() => result.textContent()).toContain('Rule 1 “Acme staff” matched');
    expect(await result.textContent()).toContain('true');

    await card.getByLabel('Paste JSON').check();
    await card.getByLabel('Context JSON').fill('{"kind": "user", "name": "no key"}');
    await card.getByRole('button', { name: 'Evaluate' }).click();
    await expect.poll(() => card.getByText('/key').count()).toBeGreaterThan(0);
  });
});
