import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { productionFlags, startWithFlag } from '../delivery/delivery-kit.js';
import { FakeHipChat } from '../helpers/fake-hipchat.js';
import type { ApiResponse, TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * Issue #13, finding 7: a template of a thousand characters made the server render hundreds of
 * megabytes, holding the event loop (and /healthz) for seconds, at save and at every change.
 */

const ROOM = { id: 1, name: 'Ops Room' };
const token = 'ops-room-token-0123456789';

let fake: FakeHipChat;
let t: TestSwitchboard;

beforeAll(async () => {
  fake = await FakeHipChat.start({
    rooms: [ROOM],
    tokens: [{ token, roomId: ROOM.id }],
    tokenRateLimit: null,
    roomFloodLimit: null,
  });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  fake.reset();
  t = await startWithFlag({
    SWITCHBOARD_HIPCHAT_URL: fake.url,
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '0',
    SWITCHBOARD_HIPCHAT_TOKEN_RATE: '0',
  });
});
afterEach(async () => {
  await t.close();
});

/** Each inline partial renders the one before it twice: 22 levels, 4 million copies of the name. */
function selfDoublingTemplate(levels: number): string {
  let source = '{{#*inline "p0"}}<b>{{name}}</b>{{/inline}}';
  for (let i = 1; i <= levels; i++) source += `{{#*inline "p${i}"}}{{> p${i - 1}}}{{> p${i - 1}}}{{/inline}}`;
  return `${source}{{> p${levels}}}`;
}

/**
 * Runs `work` while asking /healthz every few milliseconds; returns what `work` answered and the
 * longest time without a /healthz answer. A server whose event loop is held answers nothing
 * until it lets go (in-process requests cannot even start meanwhile, hence gaps, not latencies).
 */
async function whileProbingHealth<T>(work: () => Promise<T>): Promise<{ result: T; longestGapMs: number }> {
  let longestGapMs = 0;
  let done = false;
  const probe = (async () => {
    let last = performance.now();
    while (!done) {
      const res = await t.api('GET', '/healthz');
      expect(res.status).toBe(200);
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    const result = await work();
    done = true;
    await probe;
    return { result, longestGapMs };
  } finally {
    done = true;
  }
}

/**
 * How long /healthz may go unanswered. Before the fix: 11 s for the delivery below and over 20 s
 * for the partials; after it, the worst render stopped by the budget holds the loop for tens of
 * ms, on top of the ~50–90 ms this shared 2-core machine already shows for the change itself.
 */
const promptMs = 500;

const addHipChat = (template: string): Promise<ApiResponse> =>
  t.api('POST', '/api/v2/integrations/hipchat', {
    name: 'Ops room',
    config: { room: ROOM.name, token, template },
    statements: productionFlags,
  });

describe('templates cannot stall the server (#13, finding 7)', () => {
  it('a self-doubling inline-partial template is refused at /config/template, at once', async () => {
    const template = selfDoublingTemplate(22);
    expect(template.length).toBeLessThan(1_100);
    const started = performance.now();
    const { result: res, longestGapMs } = await whileProbingHealth(() => addHipChat(template));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.message).toContain('/config/template');
    expect(res.body.message).toMatch(/partial/);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(longestGapMs).toBeLessThan(promptMs);
    expect((await t.api('GET', '/api/v2/integrations/hipchat')).body.items).toEqual([]);
  });

  it('the heaviest template it accepts stops at the render budget: /healthz keeps answering, the delivery fails saying why', async () => {
    // Cheap on the samples checked at save (each has one access, so the body never runs), and
    // 4 × 12 × 12 × 240 copies of a 3,900-character description on a change with five accesses:
    // within every rule on what a template may contain (250 expressions, loops 3 deep).
    const body = '{{@root.details}}'.repeat(240);
    const template = `{{title.html}}{{#each accesses}}{{#if @index}}{{#each @root}}{{#each @root}}${body}{{/each}}{{/each}}{{/if}}{{/each}}`;
    const created = await addHipChat(template);
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const { longestGapMs } = await whileProbingHealth(async () => {
      const res = await t.api('PATCH', '/api/v2/flags/default/checkout', [
        { op: 'replace', path: '/environments/production/on', value: true },
        { op: 'replace', path: '/description', value: '<&>'.repeat(1_300) },
        { op: 'replace', path: '/name', value: 'Checkout, renamed' },
      ]);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      await t.settle();
    });
    expect(longestGapMs).toBeLessThan(promptMs);

    const log = (await t.api('GET', `/api/v2/integrations/hipchat/${created.body._id}/deliveries`)).body
      .items;
    expect(log[0]).toMatchObject({ status: 'dead', attempts: 1 });
    expect(log[0].lastError).toMatch(
      /^the message could not be built: the template does too much work for one message \(over 250,000 characters/,
    );
    expect(fake.delivered(ROOM.id)).toEqual([]);
  });
});
