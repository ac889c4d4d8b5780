import type { AuditEntry } from '../../../audit/audit-model.js';
import type { TemplateFlavor } from '../../../templates/message-template.js';
import { changeSummary, parseInline, renderInline, safeHref } from '../../rendering/audit-markdown.js';

/** Adaptive Card TextBlock Markdown: user text has its markup characters backslash-escaped. */
export function escapeTeams(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+\-!|~]/g, (c) => `\\${c}`);
}

/** The audit builder's inline Markdown as TextBlock Markdown, user text escaped. */
export function markdownToTeams(md: string): string {
  return renderInline(parseInline(md), {
    text: escapeTeams,
    code: escapeTeams,
    em: (inner) => `_${inner}_`,
    strong: (inner) => `**${inner}**`,
    // encodeURIComponent leaves `(` and `)` alone, and a `)` would end the link early.
    link: (href, words) =>
      `[${words}](${href.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)})`,
  });
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

export function card(body: Record<string, unknown>[], url?: string): AdaptiveCard {
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
  const summary = changeSummary(entry);
  if (summary !== undefined) {
    const shown = summary.lines.map((l) => `- ${markdownToTeams(l)}`);
    if (summary.more !== undefined) shown.push(`- ${summary.more}`);
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
