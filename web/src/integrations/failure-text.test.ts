import { describe, expect, it } from 'vitest';
import type { IntegrationKindKey } from '../router';
import { describeFailure, hostIn } from './failure-text';

const dnsDetail = 'name resolution failed (https://api.hipchat.com): getaddrinfo ENOTFOUND api.hipchat.com';

describe('describeFailure', () => {
  it('says which host could not be found and what to check, per kind', () => {
    expect(describeFailure('hipchat', { errorClass: 'dns', detail: dnsDetail })).toBe(
      'Could not find the host api.hipchat.com — check the HipChat Server URL.',
    );
    const slack = 'name resolution failed (https://hooks.slack.test): getaddrinfo ENOTFOUND hooks.slack.test';
    expect(describeFailure('slack', { errorClass: 'dns', detail: slack })).toBe(
      'Could not find the host hooks.slack.test — check the Slack webhook URL.',
    );
    expect(describeFailure('msteams', { errorClass: 'dns', detail: 'getaddrinfo ENOTFOUND x.example' })).toBe(
      'Could not find the host x.example — check the Teams workflow URL.',
    );
    expect(describeFailure('webhooks', { errorClass: 'dns' })).toBe(
      'Could not find the server’s host name — check the webhook URL.',
    );
  });

  it('reads the class out of the message when an older entry did not keep it', () => {
    expect(describeFailure('hipchat', { detail: dnsDetail })).toBe(
      'Could not find the host api.hipchat.com — check the HipChat Server URL.',
    );
    expect(
      describeFailure('webhooks', {
        detail: 'connection refused (http://10.0.0.5:9000): connect ECONNREFUSED 10.0.0.5:9000',
      }),
    ).toBe(
      '10.0.0.5 refused the connection — check the host and port in the webhook URL and that the server is running.',
    );
  });

  it.each<[string, string, string]>([
    [
      'timeout',
      'no complete answer from https://chat.acme.com within 15000 ms',
      'chat.acme.com did not answer in time',
    ],
    [
      'connection_reset',
      'connection reset (https://chat.acme.com): other side closed',
      'chat.acme.com closed the connection',
    ],
    [
      'tls',
      'TLS handshake failed (https://chat.acme.com): certificate has expired',
      'The secure connection to chat.acme.com failed',
    ],
    [
      'ssrf_refused',
      'target https://chat.acme.com resolves to 10.1.2.3, a private address; set SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true to allow private targets',
      'Switchboard does not send to chat.acme.com',
    ],
    ['network', 'network error (https://chat.acme.com): socket hang up', 'Could not reach chat.acme.com'],
  ])('a %s names the host and never repeats the raw text', (errorClass, detail, start) => {
    const text = describeFailure('hipchat', { errorClass, detail });
    expect(text.startsWith(start)).toBe(true);
    expect(text).toContain('the HipChat Server URL');
    expect(text).not.toContain(detail);
    expect(text).toMatch(/\.$/);
  });

  it.each<[IntegrationKindKey, number, string | undefined, string]>([
    [
      'hipchat',
      401,
      '{"error":{"code":401,"message":"Invalid OAuth session","type":"Unauthorized"}}',
      'HipChat rejected the token (“Invalid OAuth session”) — check the room notification token (it needs the Send Notification scope).',
    ],
    [
      'hipchat',
      403,
      undefined,
      'HipChat refused the token for this room — use a token of this room, or one with the Send Notification scope.',
    ],
    [
      'hipchat',
      404,
      '{"error":{"message":"Room not found"}}',
      'HipChat cannot find the room (“Room not found”) — check the room ID or name.',
    ],
    ['hipchat', 429, '', 'HipChat is rate-limiting messages — they go out when it lets them.'],
    ['hipchat', 503, 'down', 'HipChat had a server error (HTTP 503) (“down”) — usually temporary.'],
    [
      'slack',
      404,
      'no_service',
      'This Slack webhook was removed or disabled — create a new incoming webhook.',
    ],
    [
      'slack',
      200,
      '{"ok":false,"error":"channel_not_found"}',
      'Slack cannot find the channel — check the channel name or ID.',
    ],
    [
      'slack',
      403,
      'invalid_token',
      'Slack does not recognise this webhook URL — create a new incoming webhook.',
    ],
    [
      'msteams',
      404,
      '',
      'Teams answered “not found” — check the workflow URL (the workflow may have been deleted or turned off).',
    ],
    [
      'webhooks',
      401,
      '',
      'The receiver rejected the credentials — check what the receiver expects (its credentials or signing secret).',
    ],
    [
      'webhooks',
      302,
      '',
      'The receiver answered with a redirect (HTTP 302), which Switchboard does not follow — check the webhook URL.',
    ],
    ['webhooks', 500, '', 'The receiver had a server error (HTTP 500) — usually temporary.'],
  ])('%s answering %i reads as a sentence', (kind, statusCode, detail, sentence) => {
    expect(describeFailure(kind, { statusCode, detail })).toBe(sentence);
  });

  it('keeps the worker’s own reasons, which are written for people', () => {
    expect(
      describeFailure('hipchat', {
        detail: 'the stored secret cannot be decrypted (was SWITCHBOARD_SECRET_KEY changed?)',
      }),
    ).toBe('The stored secret cannot be decrypted (was SWITCHBOARD_SECRET_KEY changed?).');
  });
});

describe('hostIn', () => {
  it.each([
    ['timed out (https://a.example:8443): x', 'a.example'],
    ['getaddrinfo ENOTFOUND b.example', 'b.example'],
    ['connect ECONNREFUSED (http://[::1]:9): y', '[::1]'],
    ['nothing here', undefined],
  ])('%s → %s', (detail, host) => {
    expect(hostIn(detail)).toBe(host);
  });
});
