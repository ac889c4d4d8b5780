import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../audit/audit-model.js';
import type { HttpResult } from '../../../delivery/outbound-http.js';
import { sampleEntries } from '../../../templates/message-template.js';
import { escapeTeams, markdownToTeams, renderTeamsCard, teamsTemplateFlavor } from './msteams-card.js';
import { teamsChannel } from './msteams-channel.js';

const now = Date.UTC(2024, 0, 1, 12, 0, 0);
const [toggle, invite, hostile] = sampleEntries as [AuditEntry, AuditEntry, AuditEntry];
const channel = teamsChannel({ baseUrl: () => 'https://flags.example.com' });
const target = { id: 'i', kind: 'msteams', name: 'Ops', config: {}, secret: 'https://teams.test/wf?sig=s' };

function response(status: number, bodyExcerpt = '', headers: Record<string, string> = {}): HttpResult {
  return { kind: 'response', status, headers, bodyExcerpt, latencyMs: 3 };
}

/** Adaptive Card Markdown as read: backslash escapes removed. */
const display = (md: string) => md.replace(/\\([\\`*_{}[\]()<>#+\-.!|~])/g, '$1');

describe('escapeTeams / markdownToTeams', () => {
  it('backslash-escapes every Markdown character, and reads back as typed', () => {
    const text = '**b** _i_ [x](https://e.test) <b> # - + ! | ~ `c` \\';
    const escaped = escapeTeams(text);
    expect(escaped).not.toMatch(/(^|[^\\])[*_[\]()<>`]/);
    expect(display(escaped)).toBe(text);
  });

  it('links keep their URL with parentheses percent-encoded; unsafe schemes become text', () => {
    expect(markdownToTeams('[a](https://x.test/a_(b))')).toBe('[a](https://x.test/a_%28b%29)');
    expect(markdownToTeams('[x](javascript:alert(1))')).toBe('x');
    expect(markdownToTeams('[Ariel](mailto:a@x.test) **b**')).toBe('**Ariel** **b**');
  });
});

describe('renderTeamsCard', () => {
  it('a toggle: title, the comment subtle and italic, an Open action on the site link', () => {
    expect(renderTeamsCard(toggle, 'https://flags.example.com')).toEqual({
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.4',
      body: [
        {
          type: 'TextBlock',
          text: '**Ariel Flores** turned on the flag [New checkout](https://flags.example.com/default/production/features/new-checkout) in Production',
          wrap: true,
        },
        { type: 'TextBlock', text: '_Ship it_', wrap: true, isSubtle: true },
      ],
      actions: [
        {
          type: 'Action.OpenUrl',
          title: 'Open in Switchboard',
          url: 'https://flags.example.com/default/production/features/new-checkout',
        },
      ],
    });
  });

  it('no site link, no action; hostile text is escaped everywhere', () => {
    expect(renderTeamsCard(invite, 'https://flags.example.com').actions).toBeUndefined();
    const card = renderTeamsCard(hostile);
    for (const block of card.body as { text: string }[]) expect(block.text).not.toMatch(/(^|[^\\])<script/);
  });
});

describe('teamsChannel', () => {
  it('posts the Workflows envelope with the card as its one attachment', () => {
    const request = channel.buildRequest(target, toggle, { deliveryId: 'd', now });
    expect(request.url).toBe(target.secret);
    expect(JSON.parse(request.body)).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: renderTeamsCard(toggle, 'https://flags.example.com'),
        },
      ],
    });
  });

  it('a template renders the card content', () => {
    const template =
      '{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"{{name}}"}]}';
    const request = channel.buildRequest({ ...target, config: { template } }, hostile, {
      deliveryId: 'd',
      now,
    });
    const content = JSON.parse(request.body).attachments[0].content;
    expect(display(content.body[0].text)).toBe(hostile.name);
  });

  it.each([
    [{ type: 'AdaptiveCard', version: '1.4', body: [] }, undefined],
    [[], 'Adaptive Card object'],
    [{ type: 'message' }, '"type": "AdaptiveCard"'],
    [{ type: 'AdaptiveCard', body: [] }, 'version'],
    [{ type: 'AdaptiveCard', version: '1.4' }, 'body'],
  ])('checkDocument %j → %s', (document, problem) => {
    const result = teamsTemplateFlavor.checkDocument?.(document);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });

  it.each([
    [200, '', 'delivered', false],
    [202, '', 'delivered', false],
    [400, '{"error":{"code":"InvalidRequestContent"}}', 'permanent', false],
    [401, '{"error":{"code":"DirectApiAuthorizationRequired"}}', 'permanent', true],
    [403, '', 'permanent', true],
    [404, '{"error":{"code":"WorkflowNotFound"}}', 'permanent', true],
    [410, '', 'permanent', true],
    [413, '', 'permanent', false],
    [408, '', 'retry', false],
    [429, '', 'retry', false],
    [500, '', 'retry', false],
    [503, '', 'retry', false],
    [302, '', 'permanent', false],
  ] as const)('classify %i → %s', (status, body, outcome, marks) => {
    const result = channel.classify(response(status, body), now);
    expect(result.outcome).toBe(outcome);
    if (result.outcome === 'permanent') expect(result.markIntegrationError).toBe(marks);
  });

  it('429 honours Retry-After', () => {
    expect(channel.classify(response(429, '', { 'retry-after': '7' }), now)).toMatchObject({
      outcome: 'retry',
      notBefore: now + 7_000,
    });
  });
});
