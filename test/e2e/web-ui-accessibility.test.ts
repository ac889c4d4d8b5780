import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeHipChat } from '../helpers/fake-hipchat.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { everyImpact, expectAccessible as expectAccessibleTo } from './axe-check.js';
import {
  apiClient,
  fakeRoomEnv,
  launchChromium,
  owner,
  ownerPage,
  startFakeRoom,
  startOwnerServer,
  tearDown,
} from './e2e-setup.js';
import { overflowingText } from './phone-width.js';

/**
 * Every page of the app, with one of each thing in it (a flag of each kind, a segment, a room that
 * delivers, one in error and one off, a custom role, a token, a pending invitation, audit entries), checked
 * by axe-core (every rule, whatever its impact) at 1280 px in light and dark mode, then at 390 px
 * (a phone) for text that is cut off or runs past its box and for the signed-in email. The states
 * that change what is on screen (a dialog open, a form with errors) are checked too.
 */

const adminToken = 'api-e2e-web-accessibility-0123456789abcdef';
const goodToken = 'room-token-ops-0123456789';
const laptop = { width: 1280, height: 900 };
const phone = { width: 390, height: 844 };

let fake: FakeHipChat;
let server: ServerProcess;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof apiClient>;
let opsId = '';
let releaseId = '';
let entryId = '';
const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-accessibility-'));

beforeAll(async () => {
  fake = await startFakeRoom(goodToken);
  server = await startOwnerServer(dir, adminToken, {
    ...fakeRoomEnv(fake),
    SWITCHBOARD_RETRY_SCHEDULE: '0',
  });
  api = apiClient(server.baseUrl, adminToken);
  await api('POST', '/projects', { key: 'default', name: 'Default project' });
  await api('POST', '/flags/default', {
    key: 'new-checkout',
    name: 'New checkout',
    description: 'The redesigned checkout flow, see [the design doc](https://example.com/checkout).',
    tags: ['checkout'],
  });
  await api('POST', '/flags/default', {
    key: 'search-ranking',
    name: 'Search ranking',
    variations: [{ value: 'classic' }, { value: 'semantic' }, { value: 'hybrid' }],
  });
  await api('POST', '/flags/default', { key: 'dark-mode', name: 'Dark mode', tags: ['ui'] });
  await api('POST', '/segments/default/production', { key: 'beta-testers', name: 'Beta testers' });
  await api('POST', '/roles', {
    key: 'release-managers',
    name: 'Release managers',
    description: 'Turn flags on and off in production',
    policy: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['updateOn'] }],
  });
  await api('POST', '/tokens', { name: 'CI deploys', role: 'writer' });
  await api('POST', '/members', [{ email: 'reader@example.com', role: 'reader' }]);
  opsId = (
    await api<{ _id: string }>('POST', '/integrations/hipchat', {
      name: 'Ops room',
      on: true,
      config: { room: 'Ops', token: goodToken },
    })
  )._id;
  releaseId = (
    await api<{ _id: string }>('POST', '/integrations/hipchat', {
      name: 'Release room',
      on: true,
      config: { room: '1', token: 'not-the-room-token' },
    })
  )._id;
  // Switched off: an off card is drawn set aside, and must still read at full contrast.
  await api('POST', '/integrations/hipchat', {
    name: 'Quiet room',
    on: false,
    config: { room: 'Quiet', token: goodToken },
  });
  await api('PATCH', '/flags/default/new-checkout', {
    patch: [{ op: 'replace', path: '/environments/production/on', value: true }],
    comment: 'Ship it',
  });
  await fake.waitFor((received) => received.some((r) => r.status === 204), 10_000);
  const entries = await api<{ items: { _id: string; title: string }[] }>('GET', '/auditlog?limit=1');
  entryId = entries.items[0]?._id ?? '';
  browser = await launchChromium();
  page = await ownerPage(browser, server.baseUrl, laptop);
}, 90_000);

afterAll(() => tearDown(dir, browser, server, fake));

/** Held to every rule axe-core has, moderate and minor ones (heading order…) included. */
const expectAccessible = (p: Page, what: string) => expectAccessibleTo(p, what, everyImpact);

/** Who is signed in, in the top bar, whole (not squeezed to an ellipsis or to nothing). */
async function expectEmailShown(what: string): Promise<void> {
  const email = page.getByRole('banner').getByText(owner.email, { exact: true });
  expect(await email.isVisible(), `the signed-in email on ${what}`).toBe(true);
  expect(
    await page.evaluate(`(() => {
      const email = document.querySelector('header .account-email');
      return email.clientWidth > 0 && email.scrollWidth <= email.clientWidth;
    })()`),
    `the signed-in email on ${what}, whole`,
  ).toBe(true);
}

/** At phone width: nothing cut off or running past its box, and who is signed in still shown. */
async function expectFitsPhone(what: string): Promise<void> {
  await expectEmailShown(`${what} at ${laptop.width} px`);
  await page.setViewportSize(phone);
  try {
    await page.waitForTimeout(150);
    expect(await overflowingText(page), `${what} at ${phone.width} px`).toEqual([]);
    await expectEmailShown(`${what} at ${phone.width} px`);
  } finally {
    await page.setViewportSize(laptop);
  }
}

interface Visit {
  readonly what: string;
  readonly path: () => string;
  /** Something that shows once the page has loaded what it shows. */
  readonly ready: (page: Page) => Locator;
}

const heading = (name: string | RegExp) => (p: Page) => p.getByRole('heading', { name, level: 1 });

const visits: readonly Visit[] = [
  {
    what: 'the integrations page, with a room in error',
    path: () => '/integrations',
    ready: (p) => p.getByRole('article', { name: 'Release room' }).getByText(/In error/),
  },
  {
    what: 'one integration with its delivery log',
    path: () => `/integrations/hipchat/${opsId}`,
    ready: (p) => p.getByRole('article', { name: 'Ops room' }).getByRole('button', { name: 'Delivery log' }),
  },
  {
    what: 'the HipChat add form',
    path: () => '/integrations/new',
    ready: heading('Add a HipChat integration'),
  },
  { what: 'the Slack add form', path: () => '/integrations/slack/new', ready: heading(/Slack/) },
  { what: 'the Teams add form', path: () => '/integrations/msteams/new', ready: heading(/Teams/) },
  { what: 'the webhook add form', path: () => '/integrations/webhooks/new', ready: heading(/webhook/) },
  {
    what: 'the HipChat edit form',
    path: () => `/integrations/hipchat/${releaseId}/edit`,
    ready: heading('Edit Release room'),
  },
  {
    what: 'the flags list',
    path: () => '/flags',
    ready: (p) => p.getByRole('switch', { name: /New checkout in/ }).first(),
  },
  {
    what: 'a flag’s targeting',
    path: () => '/default/production/features/new-checkout',
    ready: heading('New checkout'),
  },
  {
    what: 'a multivariate flag’s targeting',
    path: () => '/default/test/features/search-ranking',
    ready: heading('Search ranking'),
  },
  {
    what: 'a flag’s settings',
    path: () => '/default/production/features/new-checkout/settings',
    ready: (p) => p.getByRole('region', { name: 'Settings' }),
  },
  {
    what: 'the segments list',
    path: () => '/segments',
    ready: (p) => p.getByRole('link', { name: /Beta testers/ }).first(),
  },
  {
    what: 'a segment',
    path: () => '/default/production/segments/beta-testers',
    ready: heading('Beta testers'),
  },
  {
    what: 'the environments page',
    path: () => '/environments',
    ready: (p) => p.getByRole('article', { name: /Production/ }),
  },
  {
    what: 'the SDK keys page with “Connect an SDK”',
    path: () => '/settings/projects',
    ready: (p) => p.getByRole('region', { name: /^Production/ }),
  },
  {
    what: 'the audit log',
    path: () => '/audit',
    ready: (p) => p.getByRole('list', { name: 'Changes, newest first' }).getByRole('listitem').first(),
  },
  {
    what: 'an audit entry',
    path: () => `/audit/${entryId}`,
    ready: (p) => p.getByRole('table').filter({ hasText: '/environments/production/on' }),
  },
  {
    what: 'the team page with a pending invitation',
    path: () => '/team',
    ready: (p) => p.getByRole('row').filter({ hasText: 'reader@example.com' }),
  },
  {
    what: 'the roles list',
    path: () => '/settings/roles',
    ready: (p) => p.getByRole('link', { name: /Release managers/ }).first(),
  },
  { what: 'a role', path: () => '/settings/roles/release-managers', ready: heading('Release managers') },
  { what: 'the new role form', path: () => '/settings/roles/new', ready: heading(/role/i) },
  {
    what: 'the tokens page',
    path: () => '/settings/tokens',
    ready: (p) => p.getByText('CI deploys').first(),
  },
  { what: 'an address with no page', path: () => '/nowhere', ready: heading('Nothing here') },
];

describe('every page, light and dark, laptop and phone', { timeout: 60_000 }, () => {
  it.each(visits)('$what', async ({ what, path, ready }) => {
    await page.goto(`${server.baseUrl}${path()}`);
    await ready(page).waitFor();
    await expectAccessible(page, what);
    await expectFitsPhone(what);
  });
});

describe('the states that change the page', { timeout: 60_000 }, () => {
  it('the delivery log, open', async () => {
    await page.goto(`${server.baseUrl}/integrations`);
    const ops = page.getByRole('article', { name: 'Ops room' });
    await ops.getByRole('button', { name: 'Delivery log' }).click();
    await ops
      .getByRole('region', { name: 'Delivery log of Ops room' })
      .getByText('Delivered', { exact: true })
      .first()
      .waitFor();
    await expectAccessible(page, 'the delivery log');
    await expectFitsPhone('the delivery log');
  });

  it('a confirmation dialog (deleting an integration)', async () => {
    await page.goto(`${server.baseUrl}/integrations`);
    await page.getByRole('button', { name: 'Delete Release room' }).click();
    await page.getByRole('dialog', { name: 'Delete Release room?' }).waitFor();
    await expectAccessible(page, 'the delete dialog');
    await expectFitsPhone('the delete dialog');
    await page.keyboard.press('Escape');
  });

  it('a dialog that asks for the key (deleting a flag)', async () => {
    await page.goto(`${server.baseUrl}/default/production/features/dark-mode/settings`);
    await page
      .getByRole('button', { name: /^Delete/ })
      .first()
      .click();
    await page.getByRole('dialog').waitFor();
    await expectAccessible(page, 'the flag delete dialog');
    await expectFitsPhone('the flag delete dialog');
    await page.keyboard.press('Escape');
  });

  it('the SDK key rotation dialog', async () => {
    await page.goto(`${server.baseUrl}/settings/projects`);
    await page.getByRole('button', { name: 'Rotate the SDK key of Production' }).click();
    await page.getByRole('dialog', { name: 'Rotate the SDK key of Production?' }).waitFor();
    await expectAccessible(page, 'the rotation dialog');
    await expectFitsPhone('the rotation dialog');
    await page.keyboard.press('Escape');
  });

  it('the add form refused, with its policy marked', async () => {
    await page.goto(`${server.baseUrl}/integrations/new`);
    await page.getByLabel('Name', { exact: true }).fill('Broken room');
    await page.getByLabel('Room ID or name').fill('Ops');
    await page.getByLabel('Room notification token').fill(goodToken);
    await page
      .getByLabel('Policy filter (JSON)')
      .fill('[{ "effect": "allow", "resources": ["proj/*:env/production:flags/*"], "actions": ["*"] }]');
    await page.getByRole('button', { name: 'Add integration', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'The policy filter has errors' }).waitFor();
    await expectAccessible(page, 'the add form with errors');
    await expectFitsPhone('the add form with errors');
  });

  it('the add form with a snippet and its preview', async () => {
    await page.goto(`${server.baseUrl}/integrations/new`);
    await page.getByRole('button', { name: 'Production flags only' }).click();
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByText(/ of the last \d+ changes match\./).waitFor();
    await expectAccessible(page, 'the add form with its preview');
    await expectFitsPhone('the add form with its preview');
  });

  it('a failed test message on a card', async () => {
    await page.goto(`${server.baseUrl}/integrations`);
    const release = page.getByRole('article', { name: 'Release room' });
    await release.getByRole('button', { name: 'Send test' }).click();
    await release
      .getByText(/Test failed/)
      .first()
      .waitFor();
    await expectAccessible(page, 'a failed test');
    await expectFitsPhone('a failed test');
  });

  it('the create-flag form, refused', async () => {
    await page.goto(`${server.baseUrl}/flags`);
    await page.getByRole('button', { name: 'Create flag' }).click();
    const form = page.getByRole('form', { name: 'Create a flag' });
    await form.getByLabel('Name').fill('New checkout');
    await form.getByLabel('Key', { exact: true }).fill('new-checkout');
    await form.getByRole('button', { name: /^Create/ }).click();
    await form.getByRole('alert').first().waitFor();
    await expectAccessible(page, 'the create-flag form with an error');
    await expectFitsPhone('the create-flag form with an error');
  });

  it('the copy-to-environment dialog', async () => {
    await page.goto(`${server.baseUrl}/default/production/features/new-checkout`);
    await page.getByRole('button', { name: 'Copy to environment…' }).click();
    await page.getByRole('dialog').waitFor();
    await expectAccessible(page, 'the copy dialog');
    await expectFitsPhone('the copy dialog');
    await page.keyboard.press('Escape');
  });

  it('an invitation just sent, with its link', async () => {
    await page.goto(`${server.baseUrl}/team`);
    await page.getByLabel('Email addresses').fill('designer@example.com');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByLabel('Invitation link for designer@example.com').waitFor();
    await expectAccessible(page, 'the team page with a new invitation link');
    await expectFitsPhone('the team page with a new invitation link');
  });

  it('the sign-in page, and its answer to a wrong password', async () => {
    const context = await browser.newContext({ viewport: laptop });
    try {
      const visitor = await context.newPage();
      visitor.setDefaultTimeout(10_000);
      await visitor.goto(server.baseUrl);
      await visitor.getByRole('heading', { name: 'Sign in' }).waitFor();
      await expectAccessible(visitor, 'the sign-in page');
      await visitor.getByLabel('Email').fill(owner.email);
      await visitor.getByLabel('Password').fill('not the password');
      await visitor.getByRole('button', { name: 'Sign in' }).click();
      await visitor.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
      await expectAccessible(visitor, 'the sign-in page with an error');
      await visitor.setViewportSize(phone);
      expect(await overflowingText(visitor), 'the sign-in page at 390 px').toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the invitation page', async () => {
    const [invited] = (
      await api<{ items: { _inviteUrl: string }[] }>('POST', '/members', [
        { email: 'writer@example.com', role: 'writer' },
      ])
    ).items;
    const context = await browser.newContext({ viewport: laptop });
    try {
      const visitor = await context.newPage();
      visitor.setDefaultTimeout(10_000);
      await visitor.goto(invited?._inviteUrl ?? '');
      await visitor.getByLabel('Choose a password').waitFor();
      await expectAccessible(visitor, 'the invitation page');
      await visitor.setViewportSize(phone);
      expect(await overflowingText(visitor), 'the invitation page at 390 px').toEqual([]);
    } finally {
      await context.close();
    }
  });
});
