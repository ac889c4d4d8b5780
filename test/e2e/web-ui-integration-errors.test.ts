import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeHipChat } from '../helpers/fake-hipchat.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { expectAccessible } from './axe-check.js';
import {
  apiClient,
  launchChromium,
  ownerPage,
  startFakeRoom,
  startOwnerServer,
  tearDown,
} from './e2e-setup.js';

/**
 * What a new user meets when an integration fails (issue 20): a sentence instead of the raw
 * error, with the raw detail once behind a disclosure; counters and a delivery log that tell the
 * same story, tests shown as tests; a test's outcome that does not outlive the integration's
 * state; and an invitation link that follows the address the user came by. The server runs
 * without SWITCHBOARD_BASE_URL and is browsed at http://127.0.0.1:<port>.
 */

const adminToken = 'api-e2e-integration-errors-0123456789ab';
const ROOM = { id: 1, name: 'Ops Room' };
const token = 'ops-room-token-0123456789';

let fake: FakeHipChat;
let server: ServerProcess;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof apiClient>;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-errors-'));

const card = (name: string): Locator => page.getByRole('article', { name });

beforeAll(async () => {
  fake = await startFakeRoom(token, ROOM);
  server = await startOwnerServer(dir, adminToken, {
    // No configured base URL: links shown in the UI follow how the user came.
    SWITCHBOARD_BASE_URL: '',
    SWITCHBOARD_HIPCHAT_URL: fake.url,
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    // One message a minute per room: the last test's second change is held back.
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '1',
  });
  api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  await api('POST', '/integrations/hipchat', {
    name: 'Broken room',
    config: { server: 'http://no-such-host.invalid', room: ROOM.name, token },
    // Production flags only: it does not hear its own creation, so the log holds only the tests.
    statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
  });
  browser = await launchChromium();
  page = await ownerPage(browser, server.baseUrl, { width: 1280, height: 900 });
}, 90_000);

afterAll(() => tearDown(dir, browser, server, fake));

describe('integration failures in the web UI', { timeout: 60_000 }, () => {
  it('says what went wrong in a sentence, with the raw detail once behind a disclosure', async () => {
    const broken = card('Broken room');
    await broken.getByRole('button', { name: 'Send test' }).click();
    const result = broken.locator('.test-result .alert-error');
    await result.getByText(/Test failed/).waitFor();
    expect(await result.locator('p').first().textContent()).toMatch(
      /^Test failed (just now|in a moment|\d+ sec\. ago): Could not find the host no-such-host\.invalid — check the HipChat Server URL\.$/,
    );
    // The raw error exists once in the whole card, folded away until asked for.
    const raw = broken.locator('pre.raw');
    expect(await raw.count()).toBe(1);
    expect(await raw.isVisible()).toBe(false);
    await result.locator('summary').click();
    expect(await raw.isVisible()).toBe(true);
    expect(await raw.textContent()).toContain('no-such-host.invalid');
    // The health does not say it a second time: it points at the test.
    await broken
      .locator('.health-last-error')
      .getByText(/the test below/)
      .waitFor();
    expect(await broken.getByText(/Could not find the host/).count()).toBe(1);
  });

  it('counts what the delivery log lists, and lists the test as a test', async () => {
    const broken = card('Broken room');
    expect(await broken.locator('.health-counts').textContent()).toBe('0 · 1 · 0');
    await broken.getByRole('button', { name: 'Delivery log' }).click();
    const log = broken.getByRole('region', { name: 'Delivery log of Broken room' });
    const rows = log.getByRole('row').filter({ hasText: 'Test message' });
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await log.getByText(/No deliveries/).count()).toBe(0);
    const row = rows.first();
    expect(await row.locator('.badge').allTextContents()).toEqual(['Test', 'Failed']);
    expect(await row.textContent()).toContain('sent by');
    expect(await row.textContent()).toContain('Could not find the host no-such-host.invalid');
  });

  it('drops the test outcome when the integration is switched off; the log keeps the test', async () => {
    const broken = card('Broken room');
    await broken.getByRole('switch', { name: 'Broken room notifications' }).click();
    await broken.getByRole('switch', { name: 'Broken room notifications', checked: false }).waitFor();
    await broken.locator('.test-result .alert').waitFor({ state: 'detached' });
    expect(await broken.locator('.test-result').textContent()).toBe('');
    // Now the health describes the failure itself, as a test, rather than pointing above.
    const lastError = broken.locator('.health-last-error');
    await lastError.getByText(/a test: Could not find the host no-such-host\.invalid/).waitFor();
    expect(await lastError.locator('pre.raw').count()).toBe(1);
    const log = broken.getByRole('region', { name: 'Delivery log of Broken room' });
    expect(await log.getByRole('row').filter({ hasText: 'Test message' }).count()).toBe(1);

    // A test of the switched-off integration is its own moment again, and another row of the log.
    await broken.getByRole('button', { name: 'Send test' }).click();
    await broken
      .locator('.test-result')
      .getByText(/Test failed/)
      .waitFor();
    await broken
      .locator('.health-last-error')
      .getByText(/the test below/)
      .waitFor();
    await log.getByRole('row').filter({ hasText: 'Test message' }).nth(1).waitFor();
    expect(await broken.locator('.health-counts').textContent()).toBe('0 · 2 · 0');
    // The card with a failed test, its disclosure open, and the log listing tests.
    await broken.locator('.test-result summary').click();
    await expectAccessible(page, 'an integration card with a failed test and its delivery log');
  });

  it('says why a pending delivery has not gone: the room’s rate limit, or the one before it', async () => {
    await api('POST', '/flags/default', { key: 'quiet', name: 'Quiet' });
    await api('POST', '/integrations/hipchat', {
      name: 'Quiet room',
      config: { room: ROOM.name, token },
      statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/quiet'], actions: ['*'] }],
    });
    const toggle = (on: boolean) =>
      api('PATCH', '/flags/default/quiet', [
        { op: 'replace', path: '/environments/production/on', value: on },
      ]);
    await toggle(true);
    await fake.waitFor((received) => received.length === 1);
    await toggle(false);
    await toggle(true);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    const quiet = card('Quiet room');
    await quiet.getByRole('button', { name: 'Delivery log' }).click();
    const log = quiet.getByRole('region', { name: 'Delivery log of Quiet room' });
    await log.getByText(/^Held back by HipChat’s rate limit; goes in (\d+ sec\.|1 min\.)$/).waitFor();
    await log.getByText('Waits for the delivery before it (deliveries go out in order)').waitFor();
    expect(await log.locator('.badge').allTextContents()).toEqual(['Pending', 'Pending', 'Delivered']);
    expect(fake.received).toHaveLength(1);
  });

  it('gives an invitation link on the address the user came by', async () => {
    const origin = new URL(server.baseUrl).origin;
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
    await page.getByLabel('Email addresses').fill('bo@example.com, bob@ux');
    await page.getByRole('button', { name: 'Invite' }).click();
    // The schema's words read as a sentence about the address.
    await page.getByText('bob@ux is not an email address').waitFor();
    await page.getByLabel('Email addresses').fill('bo@example.com');
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = await page.getByLabel('Invitation link for bo@example.com').inputValue();
    expect(link.startsWith(`${origin}/accept-invitation#`)).toBe(true);
    await expectAccessible(page, 'the team page with an invitation link');
  });
});
