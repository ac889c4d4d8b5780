import {
  bodySays,
  clampRetryAt,
  classifyWith,
  type Decide,
  type DeliveryOutcome,
  decisions,
  type OutboundRequest,
  reasonFor,
  retryAfterHeader,
  row,
  type StatusRow,
} from '../../../delivery/delivery-channel.js';
import type { HttpResult } from '../../../delivery/outbound-http.js';
import type { HipChatMessage } from './hipchat-message.js';

export interface HipChatTarget {
  /** API base, e.g. `https://api.hipchat.com` or a HipChat Server origin. */
  readonly server: string;
  /** Numeric room ID or room name. */
  readonly room: string;
  readonly token: string;
}

/**
 * `POST {server}/v2/room/{room}/notification`. The room is one path segment, percent-encoded
 * (a space is `%20`, never `+`, which HipChat would read as a plus sign). The token goes in the
 * Authorization header, never in the URL, so it stays out of access logs and error messages.
 */
export function buildHipChatRequest(target: HipChatTarget, message: HipChatMessage): OutboundRequest {
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
  return bodySays(bodyExcerpt);
}

/** The earliest time HipChat will take another request, from its reset headers, or undefined. */
export function rateLimitResetAt(headers: Readonly<Record<string, string>>, now: number): number | undefined {
  const candidates: number[] = [];
  const reset = headers['x-ratelimit-reset'];
  if (reset !== undefined && /^\d+$/.test(reset.trim())) candidates.push(Number(reset.trim()) * 1000);
  const retryAfter = retryAfterHeader(headers, now);
  if (retryAfter !== undefined) candidates.push(retryAfter);
  if (candidates.length === 0) return undefined;
  // Both limits must have passed, so the later one counts.
  return clampRetryAt(Math.max(...candidates), now);
}

const hipChat = decisions({ says: hipChatErrorMessage, retryAt: rateLimitResetAt });

/** A redirect names where it points; without a location, what HipChat said. */
const redirected: Decide = (response) => {
  const location = response.headers.location;
  return {
    outcome: 'permanent',
    markIntegrationError: false,
    reason: reasonFor(
      'redirects are not followed',
      response.status,
      location === undefined ? hipChatErrorMessage(response.bodyExcerpt) : `to ${location}`,
    ),
  };
};

/**
 * What each HipChat answer means for the delivery (reference/hipchat.md). First matching row
 * wins, so specific statuses come before the ranges that hold them. 401/403/404 mark the
 * integration in error: they will not fix themselves, and the UI must say why.
 */
export const hipChatStatusTable: readonly StatusRow[] = [
  row(200, 299, hipChat.delivered),
  row(429, 429, hipChat.rateLimited),
  row(408, 408, hipChat.retry('HipChat timed out reading the request')),
  row(503, 503, hipChat.retry('HipChat unavailable')),
  // 5xx is HipChat's trouble, not the message's: 500/502/504 as documented, the rest alike.
  row(500, 599, hipChat.retry('HipChat server error')),
  row(400, 400, hipChat.permanent('message rejected', false)),
  row(401, 401, hipChat.permanent('token rejected', true)),
  row(403, 403, hipChat.permanent('token not allowed for this room', true)),
  row(404, 404, hipChat.permanent('room not found', true)),
  row(300, 399, redirected),
  row(400, 499, hipChat.permanent('request rejected', false)),
];

/** Network errors are judged as for every kind (delivery-channel.ts `networkErrorTable`). */
export function classifyHipChatResult(result: HttpResult, now: number): DeliveryOutcome {
  return classifyWith(hipChatStatusTable, result, now, hipChatErrorMessage);
}
