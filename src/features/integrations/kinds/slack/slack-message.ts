import type { AuditEntry } from '../../../audit/audit-model.js';
import type { TemplateFlavor } from '../../../templates/message-template.js';
import {
  changeSummary,
  inlineMarkdownToText,
  parseInline,
  renderInline,
} from '../../rendering/audit-markdown.js';

/** Slack's mrkdwn control characters; everything a user typed goes through this. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The audit builder's inline Markdown as Slack mrkdwn, user text escaped. */
export function markdownToSlack(markdown: string): string {
  return renderInline(parseInline(markdown), {
    text: escapeSlack,
    code: (text) => `\`${escapeSlack(text.replace(/`/g, "'"))}\``,
    em: (inner) => `_${inner}_`,
    strong: (inner) => `*${inner}*`,
    // `|` ends a link's URL in Slack's syntax; `>` ends the link.
    link: (href, words) =>
      `<${href.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${words.replace(/\|/g, '¦')}>`,
  });
}

/** Slack refuses a message whose `text` is longer (msg_too_long). */
const slackTextLimit = 40_000;

export const slackTemplateFlavor: TemplateFlavor = {
  target: 'json',
  escapeText: escapeSlack,
  markdownTitle: markdownToSlack,
  checkDocument: (document) => {
    if (typeof document !== 'object' || document === null || Array.isArray(document))
      return 'must render a JSON object (a Slack message: {"text": …, "blocks": […]})';
    const { text, blocks } = document as { text?: unknown; blocks?: unknown };
    if (text !== undefined && typeof text !== 'string') return '"text" must be a string';
    if (typeof text === 'string' && text.length > slackTextLimit)
      return `"text" renders ${text.length.toLocaleString('en-US')} characters; Slack takes at most ${slackTextLimit.toLocaleString('en-US')} (msg_too_long)`;
    if (blocks !== undefined && (!Array.isArray(blocks) || blocks.length > 50))
      return '"blocks" must be an array of at most 50 blocks';
    if ((typeof text !== 'string' || text.trim() === '') && (!Array.isArray(blocks) || blocks.length === 0))
      return 'must render "text" or "blocks" (Slack refuses a message without either: no_text)';
    return undefined;
  },
};

const sectionLimit = 3000;
const clip = (text: string, limit: number) => (text.length <= limit ? text : `${text.slice(0, limit - 1)}…`);

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/** Block Kit: the title (mrkdwn), the comment (plain text), and for edits what changed. */
export function renderSlackMessage(entry: AuditEntry): SlackMessage {
  const title = markdownToSlack(entry.title) || escapeSlack(entry.name || `A ${entry.kind} changed`);
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: clip(title, sectionLimit) } },
  ];
  const comment = entry.comment?.trim() ?? '';
  if (comment !== '') {
    blocks.push({
      type: 'context',
      elements: [{ type: 'plain_text', text: clip(comment, sectionLimit), emoji: false }],
    });
  }
  const summary = changeSummary(entry);
  if (summary !== undefined) {
    const shown = summary.lines.map((l) => `• ${markdownToSlack(l)}`);
    if (summary.more !== undefined) shown.push(`• ${summary.more}`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(shown.join('\n'), sectionLimit) } });
  }
  // The top-level `text` is the notification fallback, and Slack parses it as mrkdwn too:
  // unescaped, a flag named `<!channel>` would page the whole channel.
  const plain = inlineMarkdownToText(entry.title) || entry.name || `A ${entry.kind} changed`;
  return { text: escapeSlack(clip(comment === '' ? plain : `${plain}: ${comment}`, 3000)), blocks };
}
