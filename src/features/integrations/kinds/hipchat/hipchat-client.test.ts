import { describe, expect, it } from 'vitest';
import type { HttpErrorClass, HttpResult } from '../../../delivery/outbound-http.js';
import {
  buildHipChatRequest,
  classifyHipChatResult,
  hipChatErrorMessage,
  rateLimitResetAt,
} from './hipchat-client.js';
import { renderHipChatTestMessage } from './hipchat-message.js';

const now = Date.UTC(2024, 0, 1, 12, 0, 0);
const message = renderHipChatTestMessage('Ops', 'Ariel');

function response(status: number, bodyExcerpt = '', headers: Record<string, string> = {}): HttpResult {
  return { kind: 'response', status, headers, bodyExcerpt, latencyMs: 3 };
}

function hipChatError(status: number, text: string): string {
  return JSON.stringify({ error: { code: status, message: text, type: 'x' } });
}

describe('buildHipChatRequest', () => {
  it('posts to the room notification endpoint with Bearer auth and the JSON message', () => {
    const request = buildHipChatRequest(
      { server: 'https://api.hipchat.com', room: '42', token: 'tok' },
      message,
    );
    expect(request).toEqual({
      url: 'https://api.hipchat.com/v2/room/42/notification',
      headers: {
        authorization: 'Bearer tok',
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(message),
    });
    expect(JSON.parse(request.body)).toEqual(message);
    // A real boolean, not "false".
    expect(request.body).toContain('"notify":false');
  });

  it('percent-encodes the room name as one path segment: a space is %20, a plus stays a plus', () => {
    const url = (room: string) =>
      buildHipChatRequest({ server: 'https://h.example', room, token: 't' }, message).url;
    expect(url('Ops Team')).toBe('https://h.example/v2/room/Ops%20Team/notification');
    expect(url('C++ devs')).toBe('https://h.example/v2/room/C%2B%2B%20devs/notification');
    expect(url('a/b?c#d')).toBe('https://h.example/v2/room/a%2Fb%3Fc%23d/notification');
    expect(url('Équipe')).toBe('https://h.example/v2/room/%C3%89quipe/notification');
  });

  it('strips trailing slashes from the server and keeps a path prefix', () => {
    const url = (server: string) => buildHipChatRequest({ server, room: '1', token: 't' }, message).url;
    expect(url('https://chat.acme.com///')).toBe('https://chat.acme.com/v2/room/1/notification');
    expect(url('https://acme.com/hipchat/')).toBe('https://acme.com/hipchat/v2/room/1/notification');
  });

  it('never puts the token in the URL', () => {
    const request = buildHipChatRequest({ server: 'https://h.example', room: '1', token: 'sekrit' }, message);
    expect(request.url).not.toContain('sekrit');
  });
});

describe('classifyHipChatResult: responses', () => {
  const rows: [number, string, object][] = [
    [200, '', { outcome: 'delivered' }],
    [204, '', { outcome: 'delivered' }],
    [299, '', { outcome: 'delivered' }],
    [408, '', { outcome: 'retry', reason: 'HipChat timed out reading the request (408)' }],
    [
      500,
      hipChatError(500, 'Internal error'),
      { outcome: 'retry', reason: 'HipChat server error (500 Internal error)' },
    ],
    [
      502,
      '<html>Bad Gateway</html>',
      { outcome: 'retry', reason: 'HipChat server error (502 <html>Bad Gateway</html>)' },
    ],
    [
      503,
      hipChatError(503, 'Service Unavailable'),
      { outcome: 'retry', reason: 'HipChat unavailable (503 Service Unavailable)' },
    ],
    [504, '', { outcome: 'retry', reason: 'HipChat server error (504)' }],
    [
      400,
      hipChatError(400, 'Message must be between 1 and 10000 characters'),
      {
        outcome: 'permanent',
        markIntegrationError: false,
        reason: 'message rejected (400 Message must be between 1 and 10000 characters)',
      },
    ],
    [
      401,
      hipChatError(401, 'Invalid OAuth session'),
      {
        outcome: 'permanent',
        markIntegrationError: true,
        reason: 'token rejected (401 Invalid OAuth session)',
      },
    ],
    [
      403,
      hipChatError(403, 'This endpoint requires the send_notification scope'),
      {
        outcome: 'permanent',
        markIntegrationError: true,
        reason: 'token not allowed for this room (403 This endpoint requires the send_notification scope)',
      },
    ],
    [
      404,
      hipChatError(404, 'Room x not found'),
      { outcome: 'permanent', markIntegrationError: true, reason: 'room not found (404 Room x not found)' },
    ],
    [405, '', { outcome: 'permanent', markIntegrationError: false, reason: 'request rejected (405)' }],
    [413, '', { outcome: 'permanent', markIntegrationError: false, reason: 'request rejected (413)' }],
    [415, '', { outcome: 'permanent', markIntegrationError: false, reason: 'request rejected (415)' }],
    [
      301,
      '',
      { outcome: 'permanent', markIntegrationError: false, reason: 'redirects are not followed (301)' },
    ],
    [
      399,
      '',
      { outcome: 'permanent', markIntegrationError: false, reason: 'redirects are not followed (399)' },
    ],
    [101, '', { outcome: 'permanent', markIntegrationError: false, reason: 'unexpected status (101)' }],
  ];
  it.each(rows)('%i', (status, body, expected) => {
    expect(classifyHipChatResult(response(status, body), now)).toEqual(expected);
  });

  it('names where a redirect pointed', () => {
    expect(classifyHipChatResult(response(302, '', { location: 'https://login.example/' }), now)).toEqual({
      outcome: 'permanent',
      markIntegrationError: false,
      reason: 'redirects are not followed (302 to https://login.example/)',
    });
  });

  it('treats every other 5xx as retryable', () => {
    expect(classifyHipChatResult(response(507), now)).toMatchObject({ outcome: 'retry' });
  });
});

describe('classifyHipChatResult: 429', () => {
  const limited = (headers: Record<string, string>) =>
    classifyHipChatResult(response(429, hipChatError(429, 'You have exceeded the rate limit'), headers), now);

  it('retries no earlier than X-Ratelimit-Reset (Unix seconds)', () => {
    const reset = now / 1000 + 120;
    expect(limited({ 'x-ratelimit-reset': String(reset) })).toEqual({
      outcome: 'retry',
      notBefore: reset * 1000,
      reason: 'rate limited (429 You have exceeded the rate limit)',
    });
  });

  it('honours Retry-After in seconds and as an HTTP date', () => {
    expect(limited({ 'retry-after': '30' })).toMatchObject({ notBefore: now + 30_000 });
    expect(limited({ 'retry-after': new Date(now + 45_000).toUTCString() })).toMatchObject({
      notBefore: now + 45_000,
    });
  });

  it('takes the later of the two when both are given', () => {
    expect(limited({ 'x-ratelimit-reset': String(now / 1000 + 10), 'retry-after': '60' })).toMatchObject({
      notBefore: now + 60_000,
    });
  });

  it('clamps to between 1 s and 1 h from now', () => {
    expect(limited({ 'x-ratelimit-reset': String(now / 1000 - 100) })).toMatchObject({
      notBefore: now + 1_000,
    });
    expect(limited({ 'retry-after': '0' })).toMatchObject({ notBefore: now + 1_000 });
    expect(limited({ 'x-ratelimit-reset': String(now / 1000 + 86_400) })).toMatchObject({
      notBefore: now + 3_600_000,
    });
  });

  it('leaves the time to the retry schedule when no header says when', () => {
    const outcome = limited({ 'retry-after': 'soon', 'x-ratelimit-reset': 'later' });
    expect(outcome).toEqual({
      outcome: 'retry',
      reason: 'rate limited (429 You have exceeded the rate limit)',
    });
  });
});

describe('classifyHipChatResult: network errors', () => {
  const rows: [HttpErrorClass, object][] = [
    ['timeout', { outcome: 'retry', reason: 'timeout: boom' }],
    ['connection_refused', { outcome: 'retry', reason: 'connection refused: boom' }],
    ['connection_reset', { outcome: 'retry', reason: 'connection reset: boom' }],
    ['dns', { outcome: 'retry', reason: 'dns: boom' }],
    ['network', { outcome: 'retry', reason: 'network: boom' }],
    ['ssrf_refused', { outcome: 'permanent', markIntegrationError: true, reason: 'ssrf refused: boom' }],
  ];
  it.each(rows)('%s', (errorClass, expected) => {
    expect(classifyHipChatResult({ kind: 'error', errorClass, message: 'boom', latencyMs: 1 }, now)).toEqual(
      expected,
    );
  });
});

describe('helpers', () => {
  it('hipChatErrorMessage reads HipChat error bodies and falls back to short raw text', () => {
    expect(hipChatErrorMessage(hipChatError(404, 'Room 7 not found'))).toBe('Room 7 not found');
    expect(hipChatErrorMessage('')).toBeUndefined();
    expect(hipChatErrorMessage('  plain\n text ')).toBe('plain text');
    expect(hipChatErrorMessage('{"error":{"code":400,"mess')).toBe('{"error":{"code":400,"mess');
    expect(hipChatErrorMessage('z'.repeat(500))).toBe(`${'z'.repeat(200)}…`);
  });

  it('rateLimitResetAt ignores garbage', () => {
    expect(rateLimitResetAt({}, now)).toBeUndefined();
    expect(rateLimitResetAt({ 'x-ratelimit-reset': '-5' }, now)).toBeUndefined();
  });
});
