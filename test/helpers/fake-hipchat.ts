import type http from 'node:http';
import { STATUS_CODES } from 'node:http';
import { findHipChatHtmlProblems } from '../fake-hipchat/hipchat-html.js';
import { Arrivals, LoopbackServer } from './loopback-fake.js';

/**
 * A HipChat API v2 server for tests and benchmarks that enforces reference/hipchat.md: auth and
 * scopes, room lookup by ID or decoded name, body validation with HipChat's error bodies, 204 on
 * success, rate-limit headers and 429s, and faults on demand. It records everything it receives.
 */

export interface FakeHipChatRoom {
  readonly id: number;
  readonly name: string;
}

export interface FakeHipChatToken {
  readonly token: string;
  /** Default `['send_notification']`. */
  readonly scopes?: readonly string[];
  /** A room notification token: valid only for this room. Absent: a user token, any room. */
  readonly roomId?: number;
}

export interface FakeHipChatLimit {
  readonly limit: number;
  readonly windowMs: number;
}

export interface FakeHipChatLimits {
  /** Per token; HipChat Cloud: 500 / 5 min. `null` turns it off. */
  readonly tokenRateLimit?: FakeHipChatLimit | null;
  /** Per room flood control; HipChat: 30 / min. `null` turns it off. */
  readonly roomFloodLimit?: FakeHipChatLimit | null;
}

export interface FakeHipChatOptions extends FakeHipChatLimits {
  readonly rooms?: readonly FakeHipChatRoom[];
  readonly tokens?: readonly FakeHipChatToken[];
  /** Default 0: a random free port. */
  readonly port?: number;
  readonly host?: string;
  /** Clock for rate limits, so tests need not wait out a window. */
  readonly now?: () => number;
  /** Called with every request once answered (the standalone runner prints from here). */
  readonly onReceive?: (request: ReceivedRequest) => void;
}

export interface ReceivedRequest {
  readonly at: number;
  readonly method: string;
  /** Path without the query string (which may hold `auth_token`). */
  readonly path: string;
  /** The room as the request named it, percent-decoded; '' when the path names none. */
  readonly room: string;
  /** The room it reached, when it exists. */
  readonly roomId: number | undefined;
  /** The token presented (header or `auth_token`); '' when none. */
  readonly token: string;
  readonly contentType: string;
  /** Parsed JSON, or the raw text when it was not JSON. */
  readonly body: unknown;
  /** 0 when the connection was dropped instead of answered. */
  readonly status: number;
  /** HipChat's error message when the answer was an error. */
  readonly error: string | undefined;
  /** What HipChat would strip from an HTML message (empty when clean or not HTML). */
  readonly htmlProblems: readonly string[];
}

interface Fault {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the fake knows about a request once its body is read. */
interface Incoming {
  readonly method: string;
  /** The raw `{room}` path segment, or undefined when the path is not the notification endpoint. */
  readonly roomSegment: string | undefined;
  readonly room: string;
  readonly token: string;
  readonly contentType: string;
  readonly body: unknown;
  readonly jsonOk: boolean;
  readonly tooLarge: boolean;
  readonly at: number;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const defaultTokenLimit: FakeHipChatLimit = { limit: 500, windowMs: 5 * 60_000 };
const defaultRoomLimit: FakeHipChatLimit = { limit: 30, windowMs: 60_000 };
const maxBodyBytes = 1024 * 1024;
const colors = new Set(['yellow', 'green', 'red', 'purple', 'gray', 'random']);
const notificationPath = /^\/v2\/room\/([^/]+)\/notification\/?$/;

function errorBody(status: number, message: string, extra: Record<string, unknown> = {}): unknown {
  return { error: { code: status, message, type: STATUS_CODES[status] ?? 'Error', ...extra } };
}

function fail(status: number, message: string, extra?: Record<string, unknown>): Answer {
  return { status, body: errorBody(status, message, extra) };
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function echo(value: unknown): unknown {
  return typeof value === 'string' && value.length > 100 ? `${value.slice(0, 100)}…` : value;
}

/** HipChat's field rules for a notification body; undefined when the body is valid. */
export function validateNotification(body: unknown): Answer | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail(400, 'Request body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const invalid = (field: string, message: string, validation: string) =>
    fail(400, message, { field, validation, value: echo(fields[field]) });
  const { message, message_format, color, notify, from, attach_to, card } = fields;
  if (message === undefined) return invalid('message', "Required field 'message' is missing", 'required');
  if (typeof message !== 'string') return invalid('message', 'Expected message to be a string', 'type');
  const length = codePoints(message);
  if (length < 1 || length > 10_000) {
    return invalid('message', 'Message must be between 1 and 10000 characters', 'length');
  }
  if (message_format !== undefined && message_format !== 'html' && message_format !== 'text') {
    return invalid('message_format', "Value must be one of 'html', 'text'", 'enum');
  }
  if (color !== undefined && (typeof color !== 'string' || !colors.has(color))) {
    return invalid(
      'color',
      "Value must be one of 'yellow', 'green', 'red', 'purple', 'gray', 'random'",
      'enum',
    );
  }
  if (notify !== undefined && typeof notify !== 'boolean') {
    return invalid('notify', 'Expected notify to be a boolean', 'type');
  }
  if (from !== undefined && (typeof from !== 'string' || codePoints(from) > 64)) {
    return invalid('from', 'From must be a string of at most 64 characters', 'length');
  }
  if (attach_to !== undefined && (typeof attach_to !== 'string' || codePoints(attach_to) > 36)) {
    return invalid('attach_to', 'attach_to must be a string of at most 36 characters', 'length');
  }
  if (card !== undefined && (typeof card !== 'object' || card === null || Array.isArray(card))) {
    return invalid('card', 'Expected card to be an object', 'type');
  }
  return undefined;
}

export class FakeHipChat {
  /** Every request, in arrival order. */
  received: ReceivedRequest[] = [];

  private readonly rooms = new Map<number, FakeHipChatRoom>();
  private readonly tokens = new Map<string, FakeHipChatToken>();
  private tokenLimit: FakeHipChatLimit | null;
  private roomLimit: FakeHipChatLimit | null;
  private readonly tokenWindows = new Map<string, { start: number; count: number }>();
  private readonly roomHistory = new Map<number, number[]>();
  private faults: Fault[] = [];
  private drops = 0;
  private mode: 'up' | 'down' = 'up';
  private delayMs = 0;
  private rateLimitedUntilSec = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly arrivals = new Arrivals('fake HipChat', () => this.received);
  private loopback!: LoopbackServer;
  private readonly now: () => number;

  private constructor(private readonly options: FakeHipChatOptions) {
    this.now = options.now ?? Date.now;
    this.tokenLimit = options.tokenRateLimit === undefined ? defaultTokenLimit : options.tokenRateLimit;
    this.roomLimit = options.roomFloodLimit === undefined ? defaultRoomLimit : options.roomFloodLimit;
    for (const room of options.rooms ?? []) this.addRoom(room);
    for (const token of options.tokens ?? []) this.addToken(token);
  }

  static async start(options: FakeHipChatOptions = {}): Promise<FakeHipChat> {
    const fake = new FakeHipChat(options);
    fake.loopback = await LoopbackServer.listen(
      (req, res) => fake.handle(req, res),
      options.port,
      options.host,
    );
    return fake;
  }

  get port(): number {
    return this.loopback.port;
  }

  /** The API base, e.g. `http://127.0.0.1:41234`; a client appends `/v2/room/…`. */
  get url(): string {
    return this.loopback.url;
  }

  /** TCP connections accepted so far (keep-alive tests count them). */
  get connections(): number {
    return this.loopback.connections;
  }

  /** Notifications HipChat accepted (204), optionally for one room. */
  delivered(roomId?: number): ReceivedRequest[] {
    return this.received.filter((r) => r.status === 204 && (roomId === undefined || r.roomId === roomId));
  }

  addRoom(room: FakeHipChatRoom): void {
    this.rooms.set(room.id, room);
  }

  addToken(token: FakeHipChatToken): void {
    this.tokens.set(token.token, token);
  }

  setLimits(limits: FakeHipChatLimits): void {
    if (limits.tokenRateLimit !== undefined) this.tokenLimit = limits.tokenRateLimit;
    if (limits.roomFloodLimit !== undefined) this.roomLimit = limits.roomFloodLimit;
  }

  /** The next `n` requests get `status` (with a HipChat error body unless one is given). */
  failNext(
    n: number,
    status: number,
    options: { body?: unknown; headers?: Readonly<Record<string, string>> } = {},
  ): void {
    for (let i = 0; i < n; i++) this.faults.push({ status, ...options });
  }

  /** `down`: every request gets 503 until `up`. */
  setMode(mode: 'up' | 'down'): void {
    this.mode = mode;
  }

  /** Every answer waits `ms` first (0 turns it off). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  /** The next `n` requests are read, then their connection is destroyed without an answer. */
  dropConnections(n: number): void {
    this.drops += n;
  }

  /** Every authenticated request gets 429 with this reset until the clock passes it. */
  rateLimitUntil(resetEpochSec: number): void {
    this.rateLimitedUntilSec = resetEpochSec;
  }

  /** Resolves with `received` once `predicate` holds; rejects after `timeoutMs`. */
  async waitFor(
    predicate: (received: readonly ReceivedRequest[]) => boolean,
    timeoutMs = 5_000,
  ): Promise<ReceivedRequest[]> {
    await this.arrivals.waitFor(predicate, timeoutMs);
    return this.received;
  }

  /** Forgets what was received and every fault and limit counter; rooms and tokens stay. */
  reset(): void {
    this.received = [];
    this.faults = [];
    this.drops = 0;
    this.mode = 'up';
    this.delayMs = 0;
    this.rateLimitedUntilSec = 0;
    this.tokenWindows.clear();
    this.roomHistory.clear();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.loopback.close();
  }

  private record(entry: ReceivedRequest): void {
    this.received.push(entry);
    this.options.onReceive?.(entry);
    this.arrivals.notify();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => this.respond(req, res, Buffer.concat(chunks).toString('utf8'), tooLarge));
  }

  private respond(req: http.IncomingMessage, res: http.ServerResponse, raw: string, tooLarge: boolean): void {
    const at = this.now();
    const [rawPath = '', query = ''] = (req.url ?? '').split('?', 2);
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    const token = this.presentedToken(req.headers.authorization, query);
    const roomSegment = notificationPath.exec(rawPath)?.[1];
    let room = '';
    let roomId: number | undefined;
    if (roomSegment !== undefined) {
      try {
        // decodeURIComponent leaves `+` alone: in a path a plus is a plus, as HipChat reads it.
        room = decodeURIComponent(roomSegment);
      } catch {
        room = roomSegment;
      }
      roomId = this.findRoom(room)?.id;
    }
    let body: unknown = raw;
    let jsonOk = false;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
        jsonOk = true;
      } catch {
        // Recorded as text.
      }
    }
    const base = { at, method: req.method ?? '', path: rawPath, room, roomId, token, contentType, body };

    if (this.drops > 0) {
      this.drops--;
      this.record({ ...base, status: 0, error: 'connection dropped', htmlProblems: [] });
      req.socket.destroy();
      return;
    }

    const answer = this.decide({
      method: req.method ?? '',
      roomSegment,
      room,
      token,
      contentType,
      body,
      jsonOk,
      tooLarge,
      at,
    });
    const htmlProblems =
      answer.status === 204 && typeof body === 'object' && body !== null && 'message' in body
        ? this.htmlProblemsOf(body as Record<string, unknown>)
        : [];
    const error = this.errorMessageOf(answer.body);
    const send = () => {
      this.record({ ...base, status: answer.status, error, htmlProblems });
      if (res.destroyed) return;
      const headers: Record<string, string> = { ...this.rateHeaders(token, at), ...answer.headers };
      if (answer.status === 204 || answer.body === undefined) {
        res.writeHead(answer.status, headers).end();
        return;
      }
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...headers }).end(text);
    };
    if (this.delayMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, this.delayMs);
      this.timers.add(timer);
    } else {
      send();
    }
  }

  private decide(incoming: Incoming): Answer {
    const { method, roomSegment, room, token, contentType, body, jsonOk, tooLarge, at } = incoming;
    if (this.mode === 'down') return fail(503, 'Service Unavailable');
    const fault = this.faults.shift();
    if (fault !== undefined) {
      return {
        status: fault.status,
        body:
          fault.body ??
          (fault.status >= 400 ? errorBody(fault.status, STATUS_CODES[fault.status] ?? 'Error') : undefined),
        ...(fault.headers === undefined ? {} : { headers: fault.headers }),
      };
    }
    if (roomSegment === undefined) return fail(404, 'Not Found');
    if (method !== 'POST') return { ...fail(405, 'Method Not Allowed'), headers: { allow: 'POST' } };

    if (token === '') {
      return fail(
        401,
        'Authenticated requests only. See https://www.hipchat.com/docs/apiv2/auth for more information.',
      );
    }
    const grant = this.tokens.get(token);
    if (grant === undefined) return fail(401, 'Invalid OAuth session');

    if (at < this.rateLimitedUntilSec * 1000) {
      return {
        ...fail(
          429,
          'You have exceeded the rate limit. See https://www.hipchat.com/docs/apiv2/rate_limiting',
        ),
        headers: {
          'x-ratelimit-limit': String(this.tokenLimit?.limit ?? defaultTokenLimit.limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(this.rateLimitedUntilSec),
        },
      };
    }
    if (this.countTokenRequest(token, at)) {
      return fail(
        429,
        'You have exceeded the rate limit. See https://www.hipchat.com/docs/apiv2/rate_limiting',
      );
    }

    if (!(grant.scopes ?? ['send_notification']).includes('send_notification')) {
      return fail(403, 'This endpoint requires the send_notification scope');
    }
    const target = this.findRoom(room);
    if (target === undefined) return fail(404, `Room ${room} not found`);
    if (grant.roomId !== undefined && grant.roomId !== target.id) {
      return fail(403, `This token can only be used to send notifications to room ${grant.roomId}`);
    }

    if (tooLarge) return fail(413, 'Request body too large');
    if (!contentType.startsWith('application/json')) {
      return fail(415, `Unsupported content type '${contentType}'; expected application/json`);
    }
    if (!jsonOk) return fail(400, 'The request body is not valid JSON');
    const invalid = validateNotification(body);
    if (invalid !== undefined) return invalid;

    const floodWait = this.floodWaitSeconds(target.id, at);
    if (floodWait !== undefined) {
      return {
        ...fail(429, `Flood control: room ${target.id} receives too many messages`),
        headers: { 'retry-after': String(floodWait) },
      };
    }
    return { status: 204 };
  }

  private presentedToken(authorization: string | undefined, query: string): string {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (bearer !== undefined) return bearer;
    return new URLSearchParams(query).get('auth_token') ?? '';
  }

  private findRoom(room: string): FakeHipChatRoom | undefined {
    if (/^\d+$/.test(room)) return this.rooms.get(Number(room));
    for (const candidate of this.rooms.values()) if (candidate.name === room) return candidate;
    return undefined;
  }

  /** Counts a request against its token's window; true when over the limit. */
  private countTokenRequest(token: string, at: number): boolean {
    if (this.tokenLimit === null) return false;
    let window = this.tokenWindows.get(token);
    if (window === undefined || at >= window.start + this.tokenLimit.windowMs) {
      window = { start: at, count: 0 };
      this.tokenWindows.set(token, window);
    }
    window.count++;
    return window.count > this.tokenLimit.limit;
  }

  /** Like HipChat, only requests with a known token get rate-limit headers (the limit is per token). */
  private rateHeaders(token: string, at: number): Record<string, string> {
    const window = this.tokenWindows.get(token);
    if (this.tokenLimit === null || window === undefined) return {};
    const fresh = at >= window.start + this.tokenLimit.windowMs;
    return {
      'x-ratelimit-limit': String(this.tokenLimit.limit),
      'x-ratelimit-remaining': String(
        fresh ? this.tokenLimit.limit : Math.max(0, this.tokenLimit.limit - window.count),
      ),
      'x-ratelimit-reset': String(Math.ceil((fresh ? at : window.start + this.tokenLimit.windowMs) / 1000)),
    };
  }

  /** Seconds until the room takes another message, or undefined (and the message is counted). */
  private floodWaitSeconds(roomId: number, at: number): number | undefined {
    if (this.roomLimit === null) return undefined;
    const windowStart = at - this.roomLimit.windowMs;
    const history = (this.roomHistory.get(roomId) ?? []).filter((t) => t > windowStart);
    this.roomHistory.set(roomId, history);
    const oldest = history[0];
    if (history.length >= this.roomLimit.limit && oldest !== undefined) {
      return Math.max(1, Math.ceil((oldest + this.roomLimit.windowMs - at) / 1000));
    }
    history.push(at);
    return undefined;
  }

  private htmlProblemsOf(body: Record<string, unknown>): string[] {
    const format = body.message_format ?? 'html';
    return format === 'html' && typeof body.message === 'string' ? findHipChatHtmlProblems(body.message) : [];
  }

  private errorMessageOf(body: unknown): string | undefined {
    if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
    const error = body.error;
    if (
      typeof error === 'object' &&
      error !== null &&
      'message' in error &&
      typeof error.message === 'string'
    ) {
      return error.message;
    }
    return undefined;
  }
}
