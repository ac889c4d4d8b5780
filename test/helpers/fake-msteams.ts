import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { Arrivals, LoopbackServer } from './loopback-fake.js';

/**
 * A Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is received")
 * for tests: a signed trigger URL, a message whose one attachment is an Adaptive Card, 202 on
 * acceptance, 400 on a payload Teams would not post, 401/404 for a bad signature or a deleted
 * workflow, faults on demand. It records everything it receives.
 */

export interface TeamsReceived {
  readonly at: number;
  readonly path: string;
  readonly contentType: string;
  /** Parsed JSON, or the raw text. */
  readonly body: unknown;
  readonly status: number;
  /** Why it was refused; empty when accepted. */
  readonly problems: readonly string[];
}

interface Answer {
  readonly status: number;
  readonly code?: string;
  readonly message?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const elementTypes = new Set([
  'TextBlock',
  'RichTextBlock',
  'Image',
  'Media',
  'Container',
  'ColumnSet',
  'FactSet',
  'ImageSet',
  'ActionSet',
  'Table',
]);
const actionTypes = new Set([
  'Action.OpenUrl',
  'Action.Submit',
  'Action.ShowCard',
  'Action.ToggleVisibility',
  'Action.Execute',
]);
/** Teams refuses messages over about 28 KB. */
const maxBytes = 28 * 1024;

function elementProblems(element: unknown, where: string): string[] {
  if (typeof element !== 'object' || element === null) return [`${where}: must be an object`];
  const e = element as Record<string, unknown>;
  if (typeof e.type !== 'string' || !elementTypes.has(e.type))
    return [`${where}.type: unknown element ${JSON.stringify(e.type)}`];
  if (e.type === 'TextBlock' && (typeof e.text !== 'string' || e.text === ''))
    return [`${where}.text: a TextBlock needs text`];
  if (e.type === 'Container') {
    if (!Array.isArray(e.items)) return [`${where}.items: must be an array`];
    return e.items.flatMap((c, i) => elementProblems(c, `${where}.items[${i}]`));
  }
  return [];
}

function actionProblems(actions: unknown): string[] {
  if (actions === undefined) return [];
  if (!Array.isArray(actions)) return ['content.actions: must be an array'];
  return actions.flatMap((a, i) => {
    const where = `content.actions[${i}]`;
    const action = a as Record<string, unknown>;
    if (typeof action?.type !== 'string' || !actionTypes.has(action.type))
      return [`${where}.type: unknown action`];
    if (action.type === 'Action.OpenUrl') {
      try {
        const url = new URL(String(action.url));
        if (url.protocol !== 'https:' && url.protocol !== 'http:') return [`${where}.url: must be http(s)`];
      } catch {
        return [`${where}.url: must be an absolute URL`];
      }
    }
    return [];
  });
}

/** What Teams checks before posting a Workflows message; empty when it would post it. */
export function teamsPayloadProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return ['body: must be a JSON object'];
  const b = body as Record<string, unknown>;
  if (b.type !== 'message') return ['type: must be "message"'];
  if (!Array.isArray(b.attachments) || b.attachments.length === 0) return ['attachments: at least one'];
  return b.attachments.flatMap((a, i) => {
    const where = `attachments[${i}]`;
    const attachment = a as Record<string, unknown>;
    if (attachment?.contentType !== 'application/vnd.microsoft.card.adaptive')
      return [`${where}.contentType: must be application/vnd.microsoft.card.adaptive`];
    const content = attachment.content as Record<string, unknown> | undefined;
    if (typeof content !== 'object' || content === null) return [`${where}.content: must be an object`];
    if (content.type !== 'AdaptiveCard') return [`${where}.content.type: must be AdaptiveCard`];
    if (typeof content.version !== 'string' || !/^1\.[0-5]$/.test(content.version))
      return [`${where}.content.version: Teams renders versions 1.0 to 1.5`];
    if (!Array.isArray(content.body)) return [`${where}.content.body: must be an array`];
    return [
      ...content.body.flatMap((e, j) => elementProblems(e, `${where}.content.body[${j}]`)),
      ...actionProblems(content.actions),
    ];
  });
}

/** The text of every TextBlock of every card in a message. */
export function teamsTexts(body: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
      for (const child of Object.values(o)) if (typeof child === 'object') walk(child);
    }
  };
  walk(body);
  return out;
}

/** Adaptive Card Markdown as a reader sees it: backslash escapes removed. */
export function teamsDisplay(markdown: string): string {
  return markdown.replace(/\\([\\`*_{}[\]()<>#+\-.!|~])/g, '$1');
}

export class FakeTeams {
  received: TeamsReceived[] = [];

  /** Workflow path → its signature, and whether it still exists. */
  private readonly workflows = new Map<string, { sig: string; deleted: boolean }>();
  private faults: Answer[] = [];
  private mode: 'up' | 'down' = 'up';
  private readonly arrivals = new Arrivals('fake Teams', () => this.received);
  private loopback!: LoopbackServer;

  private constructor() {}

  static async start(): Promise<FakeTeams> {
    const fake = new FakeTeams();
    fake.loopback = await LoopbackServer.listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => fake.handle(req, res, Buffer.concat(chunks)));
    });
    return fake;
  }

  get base(): string {
    return this.loopback.url;
  }

  /** A new workflow trigger URL (with its `sig` query parameter, the secret part). */
  addWorkflow(): string {
    const id = randomBytes(16).toString('hex');
    const sig = randomBytes(24).toString('base64url');
    const path = `/workflows/${id}/triggers/manual/paths/invoke`;
    this.workflows.set(path, { sig, deleted: false });
    return `${this.base}${path}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;
  }

  deleteWorkflow(url: string): void {
    const path = new URL(url).pathname;
    const w = this.workflows.get(path);
    if (w !== undefined) this.workflows.set(path, { ...w, deleted: true });
  }

  setMode(mode: 'up' | 'down'): void {
    this.mode = mode;
  }

  failNext(count: number, status: number, code = 'Fault'): void {
    for (let i = 0; i < count; i++) this.faults.push({ status, code, message: 'injected fault' });
  }

  rateLimitNext(count: number, retryAfterSec: number): void {
    for (let i = 0; i < count; i++)
      this.faults.push({
        status: 429,
        code: 'WorkflowTriggerIsThrottled',
        message: 'rate limited',
        headers: { 'retry-after': String(retryAfterSec) },
      });
  }

  reset(): void {
    this.received = [];
    this.faults = [];
    this.mode = 'up';
    this.workflows.clear();
  }

  delivered(): TeamsReceived[] {
    return this.received.filter((r) => r.status === 202);
  }

  waitFor(predicate: (received: readonly TeamsReceived[]) => boolean, timeoutMs = 5_000): Promise<void> {
    return this.arrivals.waitFor(predicate, timeoutMs);
  }

  close(): Promise<void> {
    return this.loopback.close();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): void {
    const url = new URL(req.url ?? '/', this.base);
    const contentType = String(req.headers['content-type'] ?? '');
    let body: unknown = raw.toString('utf8');
    let jsonOk = false;
    try {
      body = JSON.parse(raw.toString('utf8'));
      jsonOk = contentType.startsWith('application/json');
    } catch {
      jsonOk = false;
    }
    const workflow = this.workflows.get(url.pathname);
    let problems: string[] = [];
    let answer: Answer;
    const fault =
      this.mode === 'down'
        ? { status: 503, code: 'ServiceUnavailable', message: 'down' }
        : this.faults.shift();
    if (fault !== undefined) answer = fault;
    else if (req.method !== 'POST') answer = { status: 405, code: 'MethodNotAllowed' };
    else if (workflow === undefined || workflow.deleted)
      answer = { status: 404, code: 'WorkflowNotFound', message: 'The workflow could not be found.' };
    else if (url.searchParams.get('sig') !== workflow.sig)
      answer = {
        status: 401,
        code: 'DirectApiAuthorizationRequired',
        message: 'The request must be authenticated.',
      };
    else if (!jsonOk) answer = { status: 400, code: 'InvalidRequestContent', message: 'not JSON' };
    else if (raw.length > maxBytes) answer = { status: 413, code: 'MessageTooLarge' };
    else {
      problems = teamsPayloadProblems(body);
      answer =
        problems.length === 0
          ? { status: 202 }
          : { status: 400, code: 'InvalidTemplate', message: problems.join('; ') };
    }
    this.received.push({
      at: Date.now(),
      path: url.pathname,
      contentType,
      body,
      status: answer.status,
      problems,
    });
    this.arrivals.notify();
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
    res.end(
      answer.status === 202 ? '' : JSON.stringify({ error: { code: answer.code, message: answer.message } }),
    );
  }
}
