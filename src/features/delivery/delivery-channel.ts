import { createHash } from 'node:crypto';
import type { AuditEntry } from '../audit/audit-model.js';
import type { HttpErrorClass, HttpResult } from './outbound-http.js';

/** What the worker (or the Test button) posts: one HTTP request, fully built. */
export interface OutboundRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What one answer means for the delivery. */
export type DeliveryOutcome =
  | { readonly outcome: 'delivered' }
  /** `notBefore` (epoch ms) when the target said when to come back; otherwise the retry schedule decides. */
  | { readonly outcome: 'retry'; readonly notBefore?: number; readonly reason: string }
  | { readonly outcome: 'permanent'; readonly markIntegrationError: boolean; readonly reason: string };

/** One integration as a channel sees it: its stored document and its opened secret, if any. */
export interface ChannelTarget {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  /** The kind's own config (stored document); each channel knows its shape. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly secret: string | undefined;
}

/** Which rate limiter a send counts against, and under which key (a room, a channel, a token). */
export interface ThrottleKey {
  readonly limiter: string;
  readonly key: string;
}

export interface ChannelLimit {
  readonly limiter: string;
  /** Requests per window; 0 turns the throttle off. */
  readonly limit: number;
  readonly windowMs: number;
}

export interface SendContext {
  /** The delivery row id: stable across retries (Standard Webhooks `webhook-id`). */
  readonly deliveryId: string;
  readonly now: number;
}

/**
 * A delivery target kind (HipChat, Slack, Teams, webhook): how to address, render, pace and
 * judge one send. Plain objects registered per kind; the worker and the Test button only
 * speak this interface. `buildRequest` may throw (a template that fails at send time): the
 * delivery then fails permanently with the error as its reason.
 */
export interface DeliveryChannel {
  readonly kind: string;
  readonly limits: readonly ChannelLimit[];
  throttleKeys(target: ChannelTarget): readonly ThrottleKey[];
  buildRequest(target: ChannelTarget, entry: AuditEntry, context: SendContext): OutboundRequest;
  buildTestRequest(target: ChannelTarget, actorName: string, context: SendContext): OutboundRequest;
  classify(result: HttpResult, now: number): DeliveryOutcome;
}

export type ChannelRegistry = ReadonlyMap<string, DeliveryChannel>;

/** A short hash of a secret, to key a throttle by token or URL without keeping the secret itself. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// The status table machinery every kind classifies through (integrations/kinds/<kind>/): rows of
// statuses and decisions, network errors alike for all, and the usual table for web hooks.

type HttpResponse = Extract<HttpResult, { kind: 'response' }>;
export type Decide = (response: HttpResponse, now: number) => DeliveryOutcome;

export interface StatusRow {
  readonly from: number;
  readonly to: number;
  readonly decide: Decide;
}

const minRetryDelayMs = 1_000;
const maxRetryDelayMs = 60 * 60 * 1_000;

/** `Retry-After` (seconds or an HTTP date) as epoch ms, unclamped; undefined when absent or unreadable. */
export function retryAfterHeader(headers: Readonly<Record<string, string>>, now: number): number | undefined {
  const raw = headers['retry-after']?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return now + Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? at : undefined;
}

/** `Retry-After` (seconds or an HTTP date), clamped to 1 s … 1 h; undefined when absent. */
export function retryAfterAt(headers: Readonly<Record<string, string>>, now: number): number | undefined {
  const at = retryAfterHeader(headers, now);
  return at === undefined ? undefined : clampRetryAt(at, now);
}

/** A target's "come back at" within 1 s … 1 h: a wrong clock or a hostile server must neither make us hammer it nor park a delivery for a day. */
export function clampRetryAt(at: number, now: number): number {
  return Math.min(Math.max(at, now + minRetryDelayMs), now + maxRetryDelayMs);
}

/** A short, single-line piece of the response body. */
export function bodySays(bodyExcerpt: string): string | undefined {
  const raw = bodyExcerpt.replace(/\s+/g, ' ').trim();
  if (raw === '') return undefined;
  return raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
}

export function reasonFor(label: string, status: number, said: string | undefined): string {
  return `${label} (${status}${said === undefined ? '' : ` ${said}`})`;
}

/** How a kind reads an answer: what the body says, and when a rate-limited target takes more. */
export interface AnswerReading {
  readonly says?: ((bodyExcerpt: string) => string | undefined) | undefined;
  readonly retryAt?:
    | ((headers: Readonly<Record<string, string>>, now: number) => number | undefined)
    | undefined;
}

/** The usual decisions, reading bodies and reset headers the kind's way (default: any body, Retry-After). */
export function decisions(reading: AnswerReading = {}) {
  const says = reading.says ?? bodySays;
  const retryAt = reading.retryAt ?? retryAfterAt;
  return {
    delivered: ((): DeliveryOutcome => ({ outcome: 'delivered' })) as Decide,
    retry:
      (label: string): Decide =>
      (r) => ({ outcome: 'retry', reason: reasonFor(label, r.status, says(r.bodyExcerpt)) }),
    permanent:
      (label: string, markIntegrationError: boolean): Decide =>
      (r) => ({
        outcome: 'permanent',
        markIntegrationError,
        reason: reasonFor(label, r.status, says(r.bodyExcerpt)),
      }),
    rateLimited: ((r, now) => {
      const notBefore = retryAt(r.headers, now);
      const reason = reasonFor('rate limited', r.status, says(r.bodyExcerpt));
      return notBefore === undefined ? { outcome: 'retry', reason } : { outcome: 'retry', notBefore, reason };
    }) as Decide,
    redirected: ((r) => ({
      outcome: 'permanent',
      markIntegrationError: false,
      reason: reasonFor(
        'redirects are not followed',
        r.status,
        r.headers.location && `to ${r.headers.location}`,
      ),
    })) as Decide,
  };
}

export const decide = decisions();

export const row = (from: number, to: number, d: Decide): StatusRow => ({ from, to, decide: d });

/** Network trouble: all of it may clear up, except a target the SSRF guard refuses. */
export const networkErrorTable: Readonly<Record<HttpErrorClass, 'retry' | 'permanent'>> = {
  timeout: 'retry',
  connection_refused: 'retry',
  connection_reset: 'retry',
  dns: 'retry',
  // As before it had a class of its own (it was `network`): a renewed certificate fixes it.
  tls: 'retry',
  network: 'retry',
  ssrf_refused: 'permanent',
};

/** First matching row wins, so specific statuses come before the ranges that hold them. */
export function classifyWith(
  table: readonly StatusRow[],
  result: HttpResult,
  now: number,
  says: (bodyExcerpt: string) => string | undefined = bodySays,
): DeliveryOutcome {
  if (result.kind === 'error') {
    const reason = `${result.errorClass.replace(/_/g, ' ')}: ${result.message}`;
    return networkErrorTable[result.errorClass] === 'retry'
      ? { outcome: 'retry', reason }
      : { outcome: 'permanent', markIntegrationError: true, reason };
  }
  const match = table.find((r) => result.status >= r.from && result.status <= r.to);
  if (match !== undefined) return match.decide(result, now);
  return {
    outcome: 'permanent',
    markIntegrationError: false,
    reason: reasonFor('unexpected status', result.status, says(result.bodyExcerpt)),
  };
}

/** The usual web-hook answers: 2xx done; 408/429/5xx later; 401/403/404/410 will not fix themselves. */
export const webhookStatusTable: readonly StatusRow[] = [
  row(200, 299, decide.delivered),
  row(429, 429, decide.rateLimited),
  row(408, 408, decide.retry('target timed out reading the request')),
  row(500, 599, decide.retry('target server error')),
  row(401, 401, decide.permanent('unauthorized', true)),
  row(403, 403, decide.permanent('forbidden', true)),
  row(404, 404, decide.permanent('not found', true)),
  row(410, 410, decide.permanent('gone', true)),
  row(300, 399, decide.redirected),
  row(400, 499, decide.permanent('request rejected', false)),
];
