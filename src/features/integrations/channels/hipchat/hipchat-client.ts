import type { HttpErrorClass, HttpResult } from '../../../delivery/outbound-http.js';
import type { HipChatMessage } from './hipchat-message.js';

export interface HipChatTarget {
  /** API base, e.g. `https://api.hipchat.com` or a HipChat Server origin. */
  readonly server: string;
  /** Numeric room ID or room name. */
  readonly room: string;
  readonly token: string;
}

export interface HipChatRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * `POST {server}/v2/room/{room}/notification`. The room is one path segment, percent-encoded
 * (a space is `%20`, never `+`, which HipChat would read as a plus sign). The token goes in the
 * Authorization header, never in the URL, so it stays out of access logs and error messages.
 */
export function buildHipChatRequest(target: HipChatTarget, message: HipChatMessage): HipChatRequest {
  const server = target.server.replace(/\/+$/, '');
  return {
    url: `${server}/v2/room/${encodeURIComponent(target.room)}/notification`,
    headers: {
      authorization: `Bearer ${target.token}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(message),
  };
}

export type HipChatOutcome =
  | { readonly outcome: 'delivered' }
  /** `notBefore` (epoch ms) when HipChat said when to come back; otherwise the retry schedule decides. */
  | { readonly outcome: 'retry'; readonly notBefore?: number; readonly reason: string }
  | { readonly outcome: 'permanent'; readonly markIntegrationError: boolean; readonly reason: string };

type HttpResponse = Extract<HttpResult, { kind: 'response' }>;

const minRetryDelayMs = 1_000;
const maxRetryDelayMs = 60 * 60 * 1_000;

/** HipChat's `{"error": {"message": …}}`, or a short piece of whatever else came back. */
export function hipChatErrorMessage(bodyExcerpt: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(bodyExcerpt);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
      const error: unknown = parsed.error;
      if (
        typeof error === 'object' &&
        error !== null &&
        'message' in error &&
        typeof error.message === 'string'
      ) {
        return error.message;
      }
    }
  } catch {
    // Not JSON (a proxy's HTML page, or cut at 1 KB): fall through to the raw text.
  }
  const raw = bodyExcerpt.replace(/\s+/g, ' ').trim();
  if (raw === '') return undefined;
  return raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
}

/** The earliest time HipChat will take another request, from its reset headers, or undefined. */
export function rateLimitResetAt(headers: Readonly<Record<string, string>>, now: number): number | undefined {
  const candidates: number[] = [];
  const reset = headers['x-ratelimit-reset'];
  if (reset !== undefined && /^\d+$/.test(reset.trim())) candidates.push(Number(reset.trim()) * 1000);
  const retryAfter = headers['retry-after']?.trim();
  if (retryAfter !== undefined && retryAfter !== '') {
    if (/^\d+$/.test(retryAfter)) candidates.push(now + Number(retryAfter) * 1000);
    else {
      const date = Date.parse(retryAfter);
      if (Number.isFinite(date)) candidates.push(date);
    }
  }
  if (candidates.length === 0) return undefined;
  // Both limits must have passed, so the later one counts; a wrong clock or a hostile server
  // must neither hammer HipChat nor park a delivery for a day.
  const at = Math.max(...candidates);
  return Math.min(Math.max(at, now + minRetryDelayMs), now + maxRetryDelayMs);
}

function reasonFor(label: string, response: HttpResponse, detail?: string): string {
  const said = detail ?? hipChatErrorMessage(response.bodyExcerpt);
  return `${label} (${response.status}${said === undefined ? '' : ` ${said}`})`;
}

type Decide = (response: HttpResponse, now: number) => HipChatOutcome;

const delivered: Decide = () => ({ outcome: 'delivered' });
const retry =
  (label: string): Decide =>
  (response) => ({ outcome: 'retry', reason: reasonFor(label, response) });
const permanent =
  (label: string, markIntegrationError: boolean): Decide =>
  (response) => ({ outcome: 'permanent', markIntegrationError, reason: reasonFor(label, response) });
const rateLimited: Decide = (response, now) => {
  const notBefore = rateLimitResetAt(response.headers, now);
  const reason = reasonFor('rate limited', response);
  return notBefore === undefined ? { outcome: 'retry', reason } : { outcome: 'retry', notBefore, reason };
};
const redirected: Decide = (response) => {
  const location = response.headers.location;
  return {
    outcome: 'permanent',
    markIntegrationError: false,
    reason: reasonFor(
      'redirects are not followed',
      response,
      location === undefined ? undefined : `to ${location}`,
    ),
  };
};

interface StatusRow {
  readonly from: number;
  readonly to: number;
  readonly decide: Decide;
}

const row = (from: number, to: number, decide: Decide): StatusRow => ({ from, to, decide });

/**
 * What each HipChat answer means for the delivery (reference/hipchat.md). First matching row
 * wins, so specific statuses come before the ranges that hold them. 401/403/404 mark the
 * integration in error: they will not fix themselves, and the UI must say why.
 */
export const hipChatStatusTable: readonly StatusRow[] = [
  row(200, 299, delivered),
  row(429, 429, rateLimited),
  row(408, 408, retry('HipChat timed out reading the request')),
  row(503, 503, retry('HipChat unavailable')),
  // 5xx is HipChat's trouble, not the message's: 500/502/504 as documented, the rest alike.
  row(500, 599, retry('HipChat server error')),
  row(400, 400, permanent('message rejected', false)),
  row(401, 401, permanent('token rejected', true)),
  row(403, 403, permanent('token not allowed for this room', true)),
  row(404, 404, permanent('room not found', true)),
  row(300, 399, redirected),
  row(400, 499, permanent('request rejected', false)),
];

/** Network trouble: all of it may clear up, except a target the SSRF guard refuses. */
export const hipChatErrorTable: Readonly<Record<HttpErrorClass, 'retry' | 'permanent'>> = {
  timeout: 'retry',
  connection_refused: 'retry',
  connection_reset: 'retry',
  dns: 'retry',
  network: 'retry',
  ssrf_refused: 'permanent',
};

export function classifyHipChatResult(result: HttpResult, now: number): HipChatOutcome {
  if (result.kind === 'error') {
    const reason = `${result.errorClass.replace(/_/g, ' ')}: ${result.message}`;
    return hipChatErrorTable[result.errorClass] === 'retry'
      ? { outcome: 'retry', reason }
      : { outcome: 'permanent', markIntegrationError: true, reason };
  }
  const match = hipChatStatusTable.find((r) => result.status >= r.from && result.status <= r.to);
  if (match !== undefined) return match.decide(result, now);
  return {
    outcome: 'permanent',
    markIntegrationError: false,
    reason: reasonFor('unexpected status', result),
  };
}
