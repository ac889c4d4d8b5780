import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { FakeHipChat } from '../helpers/fake-hipchat.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

/** What the browser tests share: the web build, a free port, polling, and Chromium. */

const run = promisify(execFile);
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Newest modification time of the files under `path`. */
function newest(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * The server serves web/dist when it exists. CI builds it before the tests (`npm run build`);
 * here it is built again only when the sources are newer, into a scratch folder that then replaces
 * web/dist in one rename, so a server that other tests start meanwhile never sees half a bundle.
 */
export async function ensureWebBuild(): Promise<void> {
  const dist = join(root, 'web', 'dist');
  const built = newest(join(dist, 'index.html'));
  const sources = Math.max(
    newest(join(root, 'web', 'src')),
    newest(join(root, 'web', 'index.html')),
    newest(join(root, 'web', 'vite.config.ts')),
    newest(join(root, 'src', 'policy')),
  );
  if (built > sources) return;
  const scratch = join(root, '.tmp', `web-dist-${process.pid}-${randomUUID()}`);
  await run(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--outDir',
      scratch,
      '--emptyOutDir',
      '--logLevel',
      'error',
    ],
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    { cwd: root, env: { ...process.env, NODE_ENV: 'production' } },
  );
  const old = `${scratch}-old`;
  // Two test files may build at once: whichever bundle lands last is as good as the other.
  try {
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(scratch, dist);
  } catch (error) {
    if (!existsSync(join(dist, 'index.html'))) throw error;
  }
  rmSync(old, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls until `check` returns a value other than undefined. */
export async function until<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Headless Chromium from the system (/usr/bin/chromium). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Something a suite started and stops at its end: a fake chat server, a webhook receiver. */
interface Closable {
  close(): Promise<unknown>;
}

/** A browser suite's `afterAll`: its browser, its server, then its fakes, and its data folder. */
export async function tearDown(
  dir: string,
  browser: Browser | undefined,
  server: ServerProcess | undefined,
  ...fakes: (Closable | undefined)[]
): Promise<void> {
  await browser?.close();
  await server?.stop();
  for (const fake of fakes) await fake?.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Calls the API with a bearer token, as a script would; throws on an error answer. */
export function apiClient(baseUrl: string, token: string) {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}/api/v2${path}`, {
      method,
      headers: {
        authorization: token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
}

/** The owner every browser suite starts its server with. */
export const owner = { email: 'owner@example.com', password: 'correct horse battery staple' };

/** Signs the page in as the owner and waits for the first page after sign-in. */
export async function signInAsOwner(page: Page, baseUrl: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
}

/** A laptop-sized page of its own (a fresh context), with a 10 s step timeout, signed in as the owner. */
export async function ownerPage(
  browser: Browser,
  baseUrl: string,
  viewport: { width: number; height: number } = { width: 1280, height: 900 },
): Promise<Page> {
  const page = await (await browser.newContext({ viewport })).newPage();
  page.setDefaultTimeout(10_000);
  await signInAsOwner(page, baseUrl);
  return page;
}

/**
 * The built web UI and a real server on a free port with a SQLite file in `dir`, the shared
 * `owner` as its first member and `adminToken` as its admin token (`env` adds to it).
 */
export async function startOwnerServer(
  dir: string,
  adminToken: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const [, port] = await Promise.all([ensureWebBuild(), freePort()]);
  return startServerProcess({
    PORT: String(port),
    SWITCHBOARD_BASE_URL: `http://127.0.0.1:${port}`,
    SWITCHBOARD_DATABASE_URL: `sqlite:${join(dir, 'switchboard.db')}`,
    SWITCHBOARD_ADMIN_EMAIL: owner.email,
    SWITCHBOARD_ADMIN_PASSWORD: owner.password,
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    ...env,
  });
}

/**
 * The fake HipChat with one room that `token` may post to, its own rate limits off: the browser
 * suites are about the UI, not about throttling.
 */
export function startFakeRoom(token: string, room = { id: 1, name: 'Ops' }): Promise<FakeHipChat> {
  return FakeHipChat.start({
    rooms: [room],
    tokens: [{ token, roomId: room.id }],
    tokenRateLimit: null,
    roomFloodLimit: null,
  });
}

/** What points a server at `fake`, on loopback, with Switchboard's own HipChat throttles off. */
export function fakeRoomEnv(fake: FakeHipChat): Record<string, string> {
  return {
    SWITCHBOARD_HIPCHAT_URL: fake.url,
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '0',
    SWITCHBOARD_HIPCHAT_TOKEN_RATE: '0',
  };
}
