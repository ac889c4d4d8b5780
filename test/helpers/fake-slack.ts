import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { Arrivals, LoopbackServer } from './loopback-fake.js';

/**
 * A Slack server for tests that enforces the rules Switchboard relies on: incoming webhooks
 * (`POST /services/T…/B…/x…`, plain-text answers with HTTP status) and the Web API's
 * `chat.postMessage` (Bearer token, HTTP 200 with `{"ok":false,"error":…}` on refusal), a
 * Block Kit sanity check, a per-channel rate limit (429 + Retry-After) and faults on demand.
 * It records everything it receives.
 */

export interface FakeSlackChannel {
  readonly id: string;
  readonly name: string;
}

export interface FakeSlackBot {
  readonly token: string;
  /** Channel IDs the bot was invited to (others answer `not_in_channel`). */
  readonly memberOf: readonly string[];
}

export interface FakeSlackOptions {
  readonly channels?: readonly FakeSlackChannel[];
  readonly bots?: readonly FakeSlackBot[];
  /** Messages per window per channel; Slack: about 1 / s. `null` (default) turns it off. */
  readonly channelRate?: { readonly limit: number; readonly windowMs: number } | null;
}

export interface SlackReceived {
  readonly at: number;
  readonly api: 'webhook' | 'chat.postMessage';
  readonly path: string;
  /** The channel ID the message would land in; '' when it names none that exists. */
  readonly channel: string;
  /** Bearer token presented (Web API); '' when none. */
  readonly token: string;
  readonly contentType: string;
  /** Parsed JSON, or the raw text. */
  readonly body: unknown;
  readonly status: number;
  /** The Slack error code when refused (`invalid_auth`, `no_text`, …). */
  readonly error: string | undefined;
  /** Block Kit problems found (empty when the payload is sane). */
  readonly problems: readonly string[];
}

interface Answer {
  readonly status: number;
  readonly error?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Fault {
  readonly status: number;
  readonly error: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const knownBlockTypes = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'rich_text',
  'section',
  'video',
]);
const webhookPath = /^\/services\/(T[A-Z0-9]+)\/(B[A-Z0-9]+)\/([A-Za-z0-9]+)$/;

/** A text object: `{type: 'mrkdwn' | 'plain_text', text}` with Slack's length and field rules. */
function textObjectProblems(value: unknown, where: string, max: number): string[] {
  if (typeof value !== 'object' || value === null) return [`${where}: must be a text object`];
  const t = value as Record<string, unknown>;
  const problems: string[] = [];
  if (t.type !== 'mrkdwn' && t.type !== 'plain_text')
    problems.push(`${where}.type: must be mrkdwn or plain_text`);
  if (typeof t.text !== 'string' || t.text.length === 0) problems.push(`${where}.text: must not be empty`);
  else if (t.text.length > max) problems.push(`${where}.text: must be at most ${max} characters`);
  if (t.type === 'mrkdwn' && t.emoji !== undefined) problems.push(`${where}.emoji: only for plain_text`);
  if (t.type === 'plain_text' && t.verbatim !== undefined)
    problems.push(`${where}.verbatim: only for mrkdwn`);
  return problems;
}

/** Block Kit's structural rules for the blocks Switchboard may send; empty when valid. */
export function blockKitProblems(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ['blocks: must be an array'];
  if (blocks.length === 0) return ['blocks: must not be empty'];
  if (blocks.length > 50) return ['blocks: at most 50'];
  const problems: string[] = [];
  blocks.forEach((block, i) => {
    const where = `blocks[${i}]`;
    if (typeof block !== 'object' || block === null) {
      problems.push(`${where}: must be an object`);
      return;
    }
    const b = block as Record<string, unknown>;
    if (typeof b.type !== 'string' || !knownBlockTypes.has(b.type)) {
      problems.push(`${where}.type: unknown block type ${JSON.stringify(b.type)}`);
      return;
    }
    if (b.block_id !== undefined && (typeof b.block_id !== 'string' || b.block_id.length > 255))
      problems.push(`${where}.block_id: at most 255 characters`);
    if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined) problems.push(`${where}: needs text or fields`);
      if (b.text !== undefined) problems.push(...textObjectProblems(b.text, `${where}.text`, 3000));
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields) || b.fields.length > 10) problems.push(`${where}.fields: at most 10`);
        else
          b.fields.forEach((f, j) => {
            problems.push(...textObjectProblems(f, `${where}.fields[${j}]`, 2000));
          });
      }
    }
    if (b.type === 'header') problems.push(...textObjectProblems(b.text, `${where}.text`, 150));
    if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10)
        problems.push(`${where}.elements: 1 to 10 elements`);
      else
        b.elements.forEach((e, j) => {
          if ((e as { type?: unknown })?.type === 'image') return;
          problems.push(...textObjectProblems(e, `${where}.elements[${j}]`, 3000));
        });
    }
  });
  return problems;
}

/**
 * The control sequences Slack would act on in mrkdwn: `<!channel>`, `<@U…>`, `<#C…>`,
 * `<https://…|text>`, and any other `<…>`. Properly escaped user text yields none.
 */
export function slackControls(mrkdwn: string): string[] {
  return [...mrkdwn.matchAll(/<[^>]*>/g)].map((m) => m[0]);
}

/** What a reader sees: links as their text, then Slack's three entities decoded. */
export function slackDisplay(mrkdwn: string): string {
  return mrkdwn
    .replace(/<([^>|]*)\|([^>]*)>/g, '$2')
    .replace(/<([^>]*)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every mrkdwn string of a message: the top-level `text` and every text in its blocks. */
export function slackTexts(body: unknown): string[] {
  const out: string[] = [];
  const b = body as { text?: unknown; blocks?: unknown };
  if (typeof b.text === 'string') out.push(b.text);
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      for (const child of Object.values(o)) if (typeof child === 'object') walk(child);
    }
  };
  walk(b.blocks);
  return out;
}

export class FakeSlack {
  /** Every request, in arrival order. */
  received: SlackReceived[] = [];

  private readonly channels = new Map<string, FakeSlackChannel>();
  private readonly bots = new Map<string, FakeSlackBot>();
  /** Webhook path → channel ID, and what the webhook answers when it was revoked or locked. */
  private readonly webhooks = new Map<
    string,
    { channel: string; state: 'ok' | 'no_service' | 'action_prohibited' }
  >();
  private channelRate: FakeSlackOptions['channelRate'];
  private readonly history = new Map<string, number[]>();
  private faults: Fault[] = [];
  private mode: 'up' | 'down' = 'up';
  private readonly arrivals = new Arrivals('fake Slack', () => this.received);
  private loopback!: LoopbackServer;

  private constructor(private readonly options: FakeSlackOptions) {
    this.channelRate = options.channelRate ?? null;
    for (const c of options.channels ?? []) this.channels.set(c.id, c);
    for (const b of options.bots ?? []) this.bots.set(b.token, b);
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    fake.loopback = await LoopbackServer.listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => fake.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    return fake;
  }

  /** Base URL, for SWITCHBOARD_SLACK_API_URL. */
  get url(): string {
    return this.loopback.url;
  }

  /** A new incoming webhook posting to `channelId`; returns its URL. */
  addWebhook(channelId: string): string {
    const path = `/services/T0SWITCH/B${randomBytes(4).toString('hex').toUpperCase()}/${randomBytes(12).toString('hex')}`;
    this.webhooks.set(path, { channel: channelId, state: 'ok' });
    return `${this.url}${path}`;
  }

  /** A revoked webhook answers 404 `no_service`; a locked one 403 `action_prohibited`. */
  setWebhookState(url: string, state: 'ok' | 'no_service' | 'action_prohibited'): void {
    const path = new URL(url).pathname;
    const hook = this.webhooks.get(path);
    if (hook !== undefined) this.webhooks.set(path, { ...hook, state });
  }

  setMode(mode: 'up' | 'down'): void {
    this.mode = mode;
  }

  setChannelRate(rate: FakeSlackOptions['channelRate']): void {
    this.channelRate = rate ?? null;
    this.history.clear();
  }

  /** The next `count` requests get `status` (Web API: 200 with `ok:false` when status is 200). */
  failNext(count: number, status: number, error: string): void {
    for (let i = 0; i < count; i++) this.faults.push({ status, error });
  }

  /** The next `count` requests get 429 with `Retry-After: retryAfterSec`. */
  rateLimitNext(count: number, retryAfterSec: number): void {
    for (let i = 0; i < count; i++)
      this.faults.push({
        status: 429,
        error: 'ratelimited',
        headers: { 'retry-after': String(retryAfterSec) },
      });
  }

  reset(): void {
    this.received = [];
    this.faults = [];
    this.mode = 'up';
    this.history.clear();
    this.channelRate = this.options.channelRate ?? null;
    this.channels.clear();
    this.bots.clear();
    this.webhooks.clear();
    for (const c of this.options.channels ?? []) this.channels.set(c.id, c);
    for (const b of this.options.bots ?? []) this.bots.set(b.token, b);
  }

  /** Messages Slack accepted (and would have posted), optionally to one channel. */
  delivered(channelId?: string): SlackReceived[] {
    return this.received.filter(
      (r) =>
        r.status === 200 && r.error === undefined && (channelId === undefined || r.channel === channelId),
    );
  }

  waitFor(predicate: (received: readonly SlackReceived[]) => boolean, timeoutMs = 5_000): Promise<void> {
    return this.arrivals.waitFor(predicate, timeoutMs);
  }

  close(): Promise<void> {
    return this.loopback.close();
  }

  private findChannel(ref: string): FakeSlackChannel | undefined {
    const byId = this.channels.get(ref);
    if (byId !== undefined) return byId;
    const name = ref.replace(/^#/, '');
    return [...this.channels.values()].find((c) => c.name === name);
  }

  /** Sliding window per channel; answers the seconds to wait when over the limit. */
  private overRate(channel: string, now: number): number | undefined {
    const rate = this.channelRate;
    if (rate === null || rate === undefined) return undefined;
    const recent = (this.history.get(channel) ?? []).filter((t) => t > now - rate.windowMs);
    this.history.set(channel, recent);
    if (recent.length < rate.limit) {
      recent.push(now);
      return undefined;
    }
    const oldest = recent[0] ?? now;
    return Math.max(1, Math.ceil((oldest + rate.windowMs - now) / 1000));
  }

  /** The message rules shared by both APIs: a JSON object with `text` or valid `blocks`. */
  private messageError(body: unknown): { error: string; problems: string[] } | undefined {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return { error: 'invalid_payload', problems: [] };
    const b = body as Record<string, unknown>;
    if (b.text !== undefined && typeof b.text !== 'string') return { error: 'invalid_payload', problems: [] };
    if (b.blocks !== undefined) {
      const problems = blockKitProblems(b.blocks);
      if (problems.length > 0) return { error: 'invalid_blocks', problems };
    }
    if ((typeof b.text !== 'string' || b.text.trim() === '') && b.blocks === undefined)
      return { error: 'no_text', problems: [] };
    if (typeof b.text === 'string' && b.text.length > 40_000) return { error: 'msg_too_long', problems: [] };
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const now = Date.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const contentType = String(req.headers['content-type'] ?? '');
    let body: unknown = raw;
    let jsonOk = false;
    if (contentType.startsWith('application/json')) {
      try {
        body = JSON.parse(raw);
        jsonOk = true;
      } catch {
        jsonOk = false;
      }
    }
    const isApi = path === '/api/chat.postMessage';
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    let channel = '';
    let problems: string[] = [];
    let answer: Answer;

    const fault = this.mode === 'down' ? { status: 503, error: 'service_unavailable' } : this.faults.shift();
    if (fault !== undefined) answer = fault;
    else if (req.method !== 'POST') answer = { status: 405, error: 'method_not_allowed' };
    else if (isApi) {
      const b = (jsonOk ? body : {}) as Record<string, unknown>;
      const ref = typeof b.channel === 'string' ? b.channel : '';
      const found = this.findChannel(ref);
      channel = found?.id ?? '';
      const bot = this.bots.get(token);
      const message = jsonOk ? this.messageError(body) : undefined;
      problems = message?.problems ?? [];
      if (token === '') answer = { status: 200, error: 'not_authed' };
      else if (bot === undefined) answer = { status: 200, error: 'invalid_auth' };
      else if (!jsonOk) answer = { status: 200, error: 'invalid_json' };
      else if (ref === '' || found === undefined) answer = { status: 200, error: 'channel_not_found' };
      else if (!bot.memberOf.includes(found.id)) answer = { status: 200, error: 'not_in_channel' };
      else if (message !== undefined) answer = { status: 200, error: message.error };
      else {
        const wait = this.overRate(found.id, now);
        answer =
          wait === undefined
            ? { status: 200 }
            : { status: 429, error: 'ratelimited', headers: { 'retry-after': String(wait) } };
      }
    } else {
      const hook = webhookPath.test(path) ? this.webhooks.get(path) : undefined;
      channel = hook?.channel ?? '';
      const message = jsonOk ? this.messageError(body) : undefined;
      problems = message?.problems ?? [];
      if (hook === undefined || hook.state === 'no_service') answer = { status: 404, error: 'no_service' };
      else if (hook.state === 'action_prohibited') answer = { status: 403, error: 'action_prohibited' };
      else if (!jsonOk) answer = { status: 400, error: 'invalid_payload' };
      else if (message !== undefined) answer = { status: 400, error: message.error };
      else {
        const wait = this.overRate(hook.channel, now);
        answer =
          wait === undefined
            ? { status: 200 }
            : { status: 429, error: 'rate_limited', headers: { 'retry-after': String(wait) } };
      }
    }

    this.received.push({
      at: now,
      api: isApi ? 'chat.postMessage' : 'webhook',
      path,
      channel,
      token,
      contentType,
      body,
      status: answer.status,
      error: answer.error,
      problems,
    });
    this.arrivals.notify();

    if (isApi) {
      const payload =
        answer.error === undefined
          ? {
              ok: true,
              channel,
              ts: `${Math.floor(now / 1000)}.${String(now % 1000).padStart(6, '0')}`,
              message: { type: 'message', text: (body as { text?: unknown }).text ?? '' },
              ...(contentType.includes('charset')
                ? {}
                : { warning: 'missing_charset', response_metadata: { warnings: ['missing_charset'] } }),
            }
          : { ok: false, error: answer.error };
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(JSON.stringify(payload));
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8', ...answer.headers });
    res.end(answer.error ?? 'ok');
  }
}
