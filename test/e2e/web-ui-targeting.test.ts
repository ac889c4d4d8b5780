import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeHipChat } from '../helpers/fake-hipchat.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { expectAccessible } from './axe-check.js';
import {
  apiClient,
  fakeRoomEnv,
  launchChromium,
  root,
  signInAsOwner,
  startFakeRoom,
  startOwnerServer,
  tearDown,
  until,
} from './e2e-setup.js';

/**
 * The targeting editor on the flag page, in Chromium against a real server and the fake HipChat:
 * a rule with two clauses and a 25/75 rollout saved as one change with a comment (asked for, and
 * confirmed, because production says so), seen in the audit log and in the room; a save refused
 * because someone else changed the flag meanwhile; a reader who sees it all read-only.
 */

const screenshots =
  process.env.SWITCHBOARD_SCREENSHOTS === '1'
    ? join(root, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'switchboard-screenshots-'));
const adminToken = 'api-e2e-web-targeting-0123456789abcdef';
const roomToken = 'room-token-targeting-0123456789';
const flagPath = '/default/production/features/new-checkout';

let fake: FakeHipChat;
let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let api: ReturnType<typeof apiClient>;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-targeting-'));

interface FlagView {
  environments: Record<
    string,
    { version: number; rules: unknown[]; fallthrough: unknown; offVariation: number }
  >;
}
const production = async () =>
  (await api<FlagView>('GET', '/flags/default/new-checkout')).environments.production;

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  fake = await startFakeRoom(roomToken);
  server = await startOwnerServer(dir, adminToken, {
    ...fakeRoomEnv(fake),
  });
  api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  await api('PATCH', '/projects/default/environments/production', [
    { op: 'replace', path: '/requireComments', value: true },
    { op: 'replace', path: '/confirmChanges', value: true },
  ]);
  await api('POST', '/flags/default', { key: 'new-checkout', name: 'New checkout' });
  await api('POST', '/flags/default', { key: 'payments-v2', name: 'Payments v2' });
  await api('POST', '/segments/default/production', { key: 'beta-testers', name: 'Beta testers' });
  await api('POST', '/integrations/hipchat', {
    name: 'Ops room',
    on: true,
    config: { room: 'Ops', token: roomToken },
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await signInAsOwner(page, server.baseUrl);
}, 90_000);

afterAll(() => tearDown(dir, browser, server, fake));

describe('the targeting editor, in Chromium against a real server', { timeout: 60_000 }, () => {
  it('builds a rule with two clauses and a 25/75 rollout, saved as one commented change', async () => {
    await page.goto(`${server.baseUrl}${flagPath}`);
    await page.getByRole('heading', { name: 'New checkout', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.getByRole('region', { name: 'Rule 1' });
    await rule.getByPlaceholder(/Description/).fill('Europeans at example.com');
    await rule.getByLabel('Rule 1, clause 1: attribute').fill('email');
    await rule.getByLabel('Rule 1, clause 1: operator').selectOption({ label: 'ends with' });
    await rule.getByLabel('Rule 1, clause 1: values, one per line').fill('@example.com');
    await rule.getByRole('button', { name: 'Add clause to rule 1' }).click();
    await rule.getByLabel('Rule 1, clause 2: context kind').fill('organization');
    await rule.getByLabel('Rule 1, clause 2: attribute').fill('country');
    await rule.getByLabel('Rule 1, clause 2: values, one per line').fill('de\nfr');
    await rule.getByLabel('Rule 1: serve').selectOption({ label: 'true' });

    await page.getByLabel('Default rule: serve').selectOption({ label: 'a percentage rollout' });
    await page.getByLabel('Default rule: percentage served true').fill('25');
    await page.getByText('The percentages add up to 75 %', { exact: false }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);
    await page.getByLabel('Default rule: percentage served false').fill('75');
    await page.getByRole('img', { name: 'Rollout: 25 % true, 75 % false' }).waitFor();

    const pending = page.getByRole('region', { name: 'Pending change in Production' });
    await pending.getByRole('cell', { name: '"@example.com"' }).waitFor();
    expect(await pending.textContent()).toContain('/fallthrough/rollout/variations/0/weight');
    await expectAccessible(page, 'the targeting editor with a pending change');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({
      path: join(screenshots, 'targeting-editor.png'),
      fullPage: true,
      animations: 'disabled',
    });

    // Production requires a comment and a confirmation.
    await pending.getByRole('button', { name: 'Save changes' }).click();
    await pending.getByText('Production requires a comment with every change.').waitFor();
    expect((await production())?.rules).toEqual([]);
    await pending.getByLabel(/Comment/).fill('Beta for Europe');
    await pending.getByRole('button', { name: 'Save changes' }).click();
    const confirm = page.getByRole('dialog', { name: 'Save the targeting change in Production?' });
    await confirm.getByRole('button', { name: 'Save in Production' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved the targeting in Production.' }).waitFor();
    expect(await pending.count()).toBe(0);

    const saved = await production();
    expect(saved?.rules).toEqual([
      expect.objectContaining({
        description: 'Europeans at example.com',
        variation: 0,
        clauses: [
          expect.objectContaining({
            attribute: 'email',
            op: 'endsWith',
            values: ['@example.com'],
            negate: false,
          }),
          expect.objectContaining({
            contextKind: 'organization',
            attribute: 'country',
            op: 'in',
            values: ['de', 'fr'],
          }),
        ],
      }),
    ]);
    expect(saved?.fallthrough).toEqual({
      rollout: {
        variations: [
          { variation: 0, weight: 25_000 },
          { variation: 1, weight: 75_000 },
        ],
      },
    });

    // One change: one audit entry, with the comment, and one notification in the room.
    const audit = await api<{ items: { comment?: string; title: string }[] }>(
      'GET',
      '/auditlog?spec=proj/default:env/production:flag/new-checkout',
    );
    expect(audit.items.filter((e) => e.comment === 'Beta for Europe')).toHaveLength(1);
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByText('Beta for Europe').first().waitFor();
    await fake.waitFor(
      (received) =>
        received.some((r) => r.status === 204 && JSON.stringify(r.body).includes('Beta for Europe')),
      10_000,
    );
  });

  it('refuses a save over a change someone else made since the editor opened, and reloads it', async () => {
    await page.goto(`${server.baseUrl}${flagPath}`);
    await page.getByRole('button', { name: 'Add rule' }).waitFor();
    const other = await context.newPage();
    try {
      other.setDefaultTimeout(10_000);
      await other.goto(`${server.baseUrl}${flagPath}`);
      await other.getByRole('button', { name: 'Add rule' }).waitFor();
      // Both open the same version; the first page starts an edit, the other saves first.
      await page.getByRole('combobox', { name: 'Off variation' }).selectOption({ label: 'true' });
      await other.getByRole('button', { name: 'Delete rule 1' }).click();
      const theirs = other.getByRole('region', { name: 'Pending change in Production' });
      await theirs.getByLabel(/Comment/).fill('Rule no longer needed');
      await theirs.getByRole('button', { name: 'Save changes' }).click();
      await other.getByRole('dialog').getByRole('button', { name: 'Save in Production' }).click();
      await other.getByRole('status').filter({ hasText: 'Saved the targeting' }).waitFor();
    } finally {
      await other.close();
    }

    const mine = page.getByRole('region', { name: 'Pending change in Production' });
    await mine.getByLabel(/Comment/).fill('Serve true when off');
    await mine.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Save in Production' }).click();
    const conflict = mine.getByRole('alert');
    await conflict.waitFor();
    expect(await conflict.textContent()).toMatch(
      /Not saved: the targeting was changed by owner@example\.com .*since you opened it/,
    );
    // Nothing was overwritten: the other change stands, this one was not made.
    const now = await production();
    expect(now?.rules).toEqual([]);
    expect(now?.offVariation).toBe(1);

    await conflict.getByRole('button', { name: 'Reload' }).click();
    await until(async () => ((await mine.count()) === 0 ? true : undefined), 'the draft to be dropped');
    expect(await page.getByRole('region', { name: 'Rule 1' }).count()).toBe(0);
    expect(await page.getByRole('combobox', { name: 'Off variation' }).inputValue()).toBe('1');
  });

  it('shows a reader everything read-only, with the reason', async () => {
    const [invited] = (
      await api<{ items: { _inviteUrl: string }[] }>('POST', '/members', [
        { email: 'reader@example.com', role: 'reader' },
      ])
    ).items;
    const readerContext = await browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
    });
    try {
      const reader = await readerContext.newPage();
      reader.setDefaultTimeout(10_000);
      await reader.goto(invited?._inviteUrl ?? '');
      await reader.getByLabel('Choose a password').fill('reader password 1');
      await reader.getByRole('button', { name: 'Join and sign in' }).click();
      await reader.getByRole('heading', { name: 'Integrations', level: 1 }).waitFor();
      await reader.goto(`${server.baseUrl}${flagPath}`);
      const note = reader.getByRole('note').filter({ hasText: 'Read only.' });
      await note.waitFor();
      expect(await note.textContent()).toContain('Not allowed: updateRules');
      expect(await reader.getByRole('button', { name: 'Add rule' }).isDisabled()).toBe(true);
      expect(await reader.getByLabel('Default rule: serve').isDisabled()).toBe(true);
      expect(await reader.getByRole('combobox', { name: 'Off variation' }).isDisabled()).toBe(true);
      expect(await reader.getByRole('button', { name: 'Add prerequisite' }).isDisabled()).toBe(true);
      await expectAccessible(reader, 'the targeting editor, read-only, on a phone');

      // The flag's settings and variations too: read-only, with the reason, nothing to press.
      await reader.goto(`${server.baseUrl}${flagPath}/settings`);
      const settingsNote = reader.getByRole('note').filter({ hasText: 'Read only.' }).first();
      await settingsNote.waitFor();
      expect(await settingsNote.textContent()).toContain('Not allowed: updateDescription');
      expect(await reader.getByRole('button', { name: 'Save settings' }).isDisabled()).toBe(true);
      expect(await reader.getByRole('button', { name: 'Archive flag' }).isDisabled()).toBe(true);
      expect(await reader.getByRole('button', { name: 'Delete flag' }).isDisabled()).toBe(true);
      expect(await reader.getByLabel('Variation 1: name').isDisabled()).toBe(true);
    } finally {
      await readerContext.close();
    }
  });
});
