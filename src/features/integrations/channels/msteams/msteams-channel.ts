import type { AuditEntry } from '../../../audit/audit-model.js';
import {
  type ChannelTarget,
  classifyWith,
  type DeliveryChannel,
  type OutboundRequest,
  webhookStatusTable,
} from '../../../delivery/delivery-channel.js';
import { TemplateCache, type TemplateFlavor } from '../../../templates/message-template.js';
import type { TeamsConfig } from '../../integration-model.js';
import { type Inline, parseInline, safeHref } from '../hipchat/hipchat-message.js';

/** Adaptive Card TextBlock Markdown: user text has its markup characters backslash-escaped. */
export function escapeTeams(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+\-!|~]/g, (c) => `\\${c}`);
}

function markdown(nodes: readonly Inline[], inLink = false): string {
  return nodes
    .map((n) => {
      switch (n.t) {
        case 'text':
          return escapeTeams(n.text);
        case 'code':
          return escapeTeams(n.text);
        case 'em':
          return `_${markdown(n.children, inLink)}_`;
        case 'strong':
          return `**${markdown(n.children, inLink)}**`;
        case 'link': {
          const words = markdown(n.children, true);
          const href = safeHref(n.url);
          if (inLink || href === undefined) return words;
          if (href.startsWith('mailto:')) return `**${words}**`;
          // encodeURIComponent leaves `(` and `)` alone, and a `)` would end the link early.
          return `[${words}](${href.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)})`;
        }
      }
      return '';
    })
    .join('');
}

export function markdownToTeams(md: string): string {
  return markdown(parseInline(md));
}

/** Teams refuses a message (the card in its envelope, as sent) over about 28 KB. */
const teamsMessageBytes = 28 * 1024;

export const teamsTemplateFlavor: TemplateFlavor = {
  target: 'json',
  escapeText: escapeTeams,
  markdownTitle: markdownToTeams,
  // The template renders the card; the channel wraps it in the Workflows message envelope.
  checkDocument: (document) => {
    if (typeof document !== 'object' || document === null || Array.isArray(document))
      return 'must render an Adaptive Card object ({"type": "AdaptiveCard", "version": "1.4", "body": […]})';
    const c = document as { type?: unknown; version?: unknown; body?: unknown };
    if (c.type !== 'AdaptiveCard') return 'must render an Adaptive Card ("type": "AdaptiveCard")';
    if (typeof c.version !== 'string') return 'the card needs a "version" (Teams renders 1.0 to 1.5)';
    if (!Array.isArray(c.body)) return 'the card needs a "body" array';
    const bytes = Buffer.byteLength(JSON.stringify(teamsEnvelope(document as AdaptiveCard)));
    if (bytes > teamsMessageBytes)
      return `the card renders a message of ${bytes.toLocaleString('en-US')} bytes; Teams takes at most 28 KB (${teamsMessageBytes.toLocaleString('en-US')} bytes)`;
    return undefined;
  },
};

export type AdaptiveCard = Record<string, unknown>;

function card(body: Record<string, unknown>[], url?: string): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body,
    ...(url === undefined
      ? {}
      : { actions: [{ type: 'Action.OpenUrl', title: 'Open in Switchboard', url }] }),
  };
}

/** The title, the comment in italics, and for edits a list of what changed. */
export function renderTeamsCard(entry: AuditEntry, siteBase?: string): AdaptiveCard {
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: markdownToTeams(entry.title) || escapeTeams(entry.name), wrap: true },
  ];
  const comment = entry.comment?.trim() ?? '';
  if (comment !== '')
    body.push({ type: 'TextBlock', text: `_${escapeTeams(comment)}_`, wrap: true, isSubtle: true });
  const lines = entry.description
    .split('\n')
    .map((l) => l.replace(/^\s*[-*]\s+/, '').trim())
    .filter((l) => l !== '');
  if (lines.length > 0 && !/^turned (on|off)\b/.test(entry.titleVerb)) {
    const shown = lines.slice(0, 10).map((l) => `- ${markdownToTeams(l)}`);
    if (lines.length > 10) shown.push(`- and ${lines.length - 10} more changes`);
    body.push({ type: 'TextBlock', text: shown.join('\r'), wrap: true });
  }
  const site = entry._links.site?.href;
  const url = site === undefined || siteBase === undefined ? undefined : safeHref(`${siteBase}${site}`);
  return card(body, url);
}

/** A Workflows webhook takes a message with the card as its one attachment. */
export function teamsEnvelope(content: AdaptiveCard): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}

/** Microsoft Teams through a Workflows webhook URL (the Office 365 connectors are retired). */
export function teamsChannel(options: { readonly baseUrl?: () => string } = {}): DeliveryChannel {
  const templates = new TemplateCache(teamsTemplateFlavor);
  const build = (target: ChannelTarget, content: AdaptiveCard): OutboundRequest => ({
    url: target.secret ?? '',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(teamsEnvelope(content)),
  });
  return {
    kind: 'msteams',
    limits: [],
    throttleKeys: () => [],
    buildRequest(target, entry) {
      const c = target.config as TeamsConfig;
      return build(
        target,
        c.template === undefined
          ? renderTeamsCard(entry, options.baseUrl?.())
          : (JSON.parse(templates.render(c.template, entry)) as AdaptiveCard),
      );
    },
    buildTestRequest(target, actorName) {
      return build(
        target,
        card([
          {
            type: 'TextBlock',
            wrap: true,
            text: `**${escapeTeams(actorName)}** sent a test notification for the integration **${escapeTeams(target.name)}**. Changes that match its policy will appear in this channel.`,
          },
        ]),
      );
    },
    classify: (result, now) => classifyWith(webhookStatusTable, result, now),
  };
}
