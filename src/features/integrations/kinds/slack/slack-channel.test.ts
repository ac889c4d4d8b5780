import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../audit/audit-model.js';
import type { HttpResult } from '../../../delivery/outbound-http.js';
import { sampleEntries } from '../../../templates/message-template.js';
import { classifySlackResult, slackChannel } from './slack-channel.js';
import { escapeSlack, markdownToSlack, renderSlackMessage, slackTemplateFlavor } from './slack-message.js';

const now = Date.UTC(2024, 0, 1, 12, 0, 0);
const [toggle, invite, hostile] = sampleEntries as [AuditEntry, AuditEntry, AuditEntry];

function response(status: number, bodyExcerpt = '', headers: Record<string, string> = {}): HttpResult {
  return { kind: 'response', status, headers, bodyExcerpt, latencyMs: 3 };
}

/** Every `<…>` Slack would act on (mention, channel, link). */
const controls = (mrkdwn: string) => [...mrkdwn.matchAll(/<[^>]*>/g)].map((m) => m[0]);

describe('escapeSlack / markdownToSlack', () => {
  it('escapes the three control characters and nothing else', () => {
    expect(escapeSlack('<!channel> & <@U1> *b*')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt; *b*');
  });

  it('turns links, code and emphasis into mrkdwn, with user text escaped inside them', () => {
    expect(markdownToSlack('[a <b>](https://x.test/p?q=1&r=2) `c<d>` **e** _f_')).toBe(
      '<https://x.test/p?q=1&r=2|a &lt;b&gt;> `c&lt;d&gt;` *e* _f_',
    );
    expect(markdownToSlack('[Ariel](mailto:a@x.test)')).toBe('*Ariel*');
    expect(markdownToSlack('[x](javascript:alert(1))')).toBe('x');
    expect(markdownToSlack('[a|b](https://x.test/a|b>c)')).toBe('<https://x.test/a%7Cb%3Ec|a¦b>');
  });
});

describe('renderSlackMessage', () => {
  it('a toggle: one section with the title, the comment as plain-text context, no change list', () => {
    const message = renderSlackMessage(toggle);
    expect(message.text).toBe('Ariel Flores turned on the flag New checkout in Production: Ship it');
    expect(message.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '*Ariel Flores* turned on the flag <https://flags.example.com/default/production/features/new-checkout|New checkout> in `Production`',
        },
      },
      { type: 'context', elements: [{ type: 'plain_text', text: 'Ship it', emoji: false }] },
    ]);
  });

  it('an entry without comment or description is one section', () => {
    expect(renderSlackMessage(invite).blocks).toHaveLength(1);
  });

  it('hostile text: no control sequence in any mrkdwn, the fallback text included', () => {
    const message = renderSlackMessage(hostile);
    const mrkdwn = [
      message.text,
      ...message.blocks.flatMap((b) => {
        const text = (b as { text?: { type: string; text: string } }).text;
        return text?.type === 'mrkdwn' ? [text.text] : [];
      }),
    ];
    for (const text of mrkdwn) expect(controls(text)).toEqual([]);
    expect(message.text).toContain('&lt;script&gt;');
  });

  it('lists at most 10 changes and says how many more; sections stay within 3000 characters', () => {
    const description = Array.from({ length: 14 }, (_, i) => `- Change ${i} ${'x'.repeat(400)}`).join('\n');
    const message = renderSlackMessage({ ...toggle, titleVerb: 'updated the flag', description });
    const list = message.blocks.at(-1) as { text: { text: string } };
    expect(list.text.text.length).toBeLessThanOrEqual(3000);
    const short = renderSlackMessage({
      ...toggle,
      titleVerb: 'updated the flag',
      description: Array.from({ length: 14 }, (_, i) => `- Change ${i}`).join('\n'),
    });
    expect((short.blocks.at(-1) as { text: { text: string } }).text.text).toContain('• and 4 more changes');
  });
});

describe('slackChannel requests', () => {
  const channel = slackChannel({ apiUrl: 'https://slack.test/', channelRate: 1 });
  const context = { deliveryId: 'd1', now };

  it('webhook mode posts the message to the webhook URL', () => {
    const target = {
      id: 'i',
      kind: 'slack',
      name: 'Ops',
      config: { mode: 'webhook' },
      secret: 'https://hooks.test/x',
    };
    const request = channel.buildRequest(target, toggle, context);
    expect(request.url).toBe('https://hooks.test/x');
    expect(request.headers.authorization).toBeUndefined();
    expect(JSON.parse(request.body)).toEqual(renderSlackMessage(toggle));
  });

  it('bot mode posts to chat.postMessage with the token; a template cannot change the channel', () => {
    const template = '{"channel": "#general", "text": "{{name}}"}';
    const target = {
      id: 'i',
      kind: 'slack',
      name: 'Ops',
      config: { mode: 'bot', channel: 'C1', template },
      secret: 'xoxb-1',
    };
    const request = channel.buildRequest(target, toggle, context);
    expect(request.url).toBe('https://slack.test/api/chat.postMessage');
    expect(request.headers.authorization).toBe('Bearer xoxb-1');
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(request.body)).toEqual({ channel: 'C1', text: 'New checkout' });
  });

  it('the test message escapes the names, in the fallback text too', () => {
    const target = {
      id: 'i',
      kind: 'slack',
      name: '<!here>',
      config: { mode: 'webhook' },
      secret: 'https://h.test',
    };
    const body = JSON.parse(channel.buildTestRequest(target, '<!channel>', context).body);
    expect(JSON.stringify(body)).not.toMatch(/<!/);
  });

  it('throttles per channel: per webhook, or per token and channel', () => {
    const hook = {
      id: 'i',
      kind: 'slack',
      name: 'x',
      config: { mode: 'webhook' },
      secret: 'https://h.test/1',
    };
    const a = { id: 'i', kind: 'slack', name: 'x', config: { mode: 'bot', channel: 'C1' }, secret: 't' };
    const b = { ...a, config: { mode: 'bot', channel: 'C2' } };
    expect(channel.limits).toEqual([{ limiter: 'slack-channel', limit: 1, windowMs: 1_000 }]);
    expect(channel.throttleKeys(a)).not.toEqual(channel.throttleKeys(b));
    expect(JSON.stringify(channel.throttleKeys(hook))).not.toContain('h.test');
  });
});

describe('slackTemplateFlavor.checkDocument', () => {
  const check = slackTemplateFlavor.checkDocument ?? (() => 'missing');
  it.each([
    [{ text: 'hi' }, undefined],
    [{ blocks: [{ type: 'divider' }] }, undefined],
    [[], 'JSON object'],
    [{ text: 3 }, 'must be a string'],
    [{ text: ' ' }, 'no_text'],
    [{ blocks: [] }, 'no_text'],
    [{ blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, 'at most 50'],
  ])('%j → %s', (document, problem) => {
    if (problem === undefined) expect(check(document)).toBeUndefined();
    else expect(check(document)).toContain(problem);
  });
});

describe('classifySlackResult', () => {
  it.each([
    // Incoming webhooks: plain-text answers with an HTTP status.
    [200, 'ok', {}, 'delivered', false],
    [400, 'invalid_payload', {}, 'permanent', false],
    [400, 'no_text', {}, 'permanent', false],
    [400, 'invalid_blocks', {}, 'permanent', false],
    [403, 'action_prohibited', {}, 'permanent', true],
    [403, 'invalid_token', {}, 'permanent', true],
    [404, 'no_service', {}, 'permanent', true],
    [404, 'channel_not_found', {}, 'permanent', true],
    [404, '<html>Not Found</html>', {}, 'permanent', true],
    [410, 'channel_is_archived', {}, 'permanent', true],
    [401, '', {}, 'permanent', true],
    [413, 'too large', {}, 'permanent', false],
    [429, 'rate_limited', { 'retry-after': '30' }, 'retry', false],
    [408, '', {}, 'retry', false],
    [500, 'rollup_error', {}, 'retry', false],
    [503, 'service_unavailable', {}, 'retry', false],
    [302, '', { location: 'https://x.test' }, 'permanent', false],
    // Web API: HTTP 200 with ok:false.
    [200, '{"ok":true,"channel":"C1","ts":"1.2"}', {}, 'delivered', false],
    [200, '{"ok":true,"warning":"missing_charset"}', {}, 'delivered', false],
    [200, '{"ok":false,"error":"invalid_auth"}', {}, 'permanent', true],
    [200, '{"ok":false,"error":"not_authed"}', {}, 'permanent', true],
    [200, '{"ok":false,"error":"token_revoked"}', {}, 'permanent', true],
    [200, '{"ok":false,"error":"channel_not_found"}', {}, 'permanent', true],
    [200, '{"ok":false,"error":"not_in_channel"}', {}, 'permanent', true],
    [200, '{"ok":false,"error":"is_archived"}', {}, 'permanent', true],
    [200, '{"ok":false,"error":"missing_scope","needed":"chat:write"}', {}, 'permanent', true],
    [200, '{"ok":false,"error":"invalid_blocks"}', {}, 'permanent', false],
    [200, '{"ok":false,"error":"msg_too_long"}', {}, 'permanent', false],
    [200, '{"ok":false,"error":"ratelimited"}', { 'retry-after': '5' }, 'retry', false],
    [200, '{"ok":false,"error":"internal_error"}', {}, 'retry', false],
    [200, '{"error":"invalid_auth","ok":false}', {}, 'permanent', true],
    [429, '{"ok":false,"error":"ratelimited"}', { 'retry-after': '2' }, 'retry', false],
  ] as const)('%i %s → %s', (status, body, headers, outcome, marks) => {
    const result = classifySlackResult(response(status, body, headers), now);
    expect(result.outcome).toBe(outcome);
    if (result.outcome === 'permanent') expect(result.markIntegrationError).toBe(marks);
    if (result.outcome !== 'delivered') expect(result.reason).toContain(String(status));
  });

  it('the reason names Slack’s error code', () => {
    const result = classifySlackResult(response(200, '{"ok":false,"error":"invalid_auth"}'), now);
    expect(result).toMatchObject({ outcome: 'permanent', reason: expect.stringContaining('invalid_auth') });
  });

  it('Retry-After is honoured (429, and ratelimited inside a 200), clamped to an hour', () => {
    expect(classifySlackResult(response(429, '', { 'retry-after': '30' }), now)).toMatchObject({
      notBefore: now + 30_000,
    });
    expect(
      classifySlackResult(response(200, '{"ok":false,"error":"ratelimited"}', { 'retry-after': '5' }), now),
    ).toMatchObject({ notBefore: now + 5_000 });
    expect(classifySlackResult(response(429, '', { 'retry-after': '999999' }), now)).toMatchObject({
      notBefore: now + 3_600_000,
    });
  });

  it('network errors retry; an SSRF refusal does not', () => {
    const error = (errorClass: 'timeout' | 'ssrf_refused'): HttpResult => ({
      kind: 'error',
      errorClass,
      message: 'x',
      latencyMs: 1,
    });
    expect(classifySlackResult(error('timeout'), now).outcome).toBe('retry');
    expect(classifySlackResult(error('ssrf_refused'), now).outcome).toBe('permanent');
  });
});
