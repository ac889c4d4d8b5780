import type { AuditEntry } from '../../../audit/audit-model.js';

export type HipChatColor = 'yellow' | 'green' | 'red' | 'purple' | 'gray';

/** The body of `POST /v2/room/{room}/notification` as Switchboard sends it. */
export interface HipChatMessage {
  readonly from: string;
  readonly message_format: 'html';
  readonly color: HipChatColor;
  readonly notify: boolean;
  readonly message: string;
}

export interface HipChatRenderOptions {
  readonly notify: boolean;
  /** Label beside the sender name; HipChat allows 64 characters. */
  readonly from?: string;
}

/** HipChat rejects a longer message (400), so the renderer cuts to this. */
export const hipChatMessageLimit = 10_000;
const fromLimit = 64;
const defaultFrom = 'Switchboard';
/** A summary is for glancing at in chat; the full change is one click away. */
const summaryLineLimit = 10;
const ellipsis = '…';

// ---------------------------------------------------------------------------------------------
// HTML pieces. The message is built as a list of pieces, not a string, so that it can be cut at
// 10,000 characters without splitting a tag or an entity, and with every open tag closed.

type Piece =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'open'; readonly tag: string; readonly html: string }
  | { readonly kind: 'close'; readonly tag: string }
  | { readonly kind: 'void'; readonly html: string };

const escapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c] ?? c);
}

const text = (value: string): Piece => ({ kind: 'text', text: value });
const open = (tag: string, html = `<${tag}>`): Piece => ({ kind: 'open', tag, html });
const close = (tag: string): Piece => ({ kind: 'close', tag });
const br: Piece = { kind: 'void', html: '<br>' };

function wrap(tag: string, inner: readonly Piece[]): Piece[] {
  return [open(tag), ...inner, close(tag)];
}

function pieceHtml(piece: Piece): string {
  switch (piece.kind) {
    case 'text':
      return escapeHtml(piece.text);
    case 'open':
    case 'void':
      return piece.html;
    case 'close':
      return `</${piece.tag}>`;
  }
}

/** Where a link may point: the web, or (for people) mail. Anything else is rendered as text. */
export function safeHref(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const allowed =
    parsed.protocol === 'http:' || parsed.protocol === 'https:' || parsed.protocol === 'mailto:';
  return allowed ? parsed.href : undefined;
}

/**
 * Joins the pieces, cutting at `limit` characters when they don't fit: text is cut between
 * characters (so never inside an entity or a surrogate pair), tags are kept whole or left out,
 * open tags are closed, and a marker says something was left out.
 */
function fitPieces(pieces: readonly Piece[], limit: number): string {
  const full = pieces.map(pieceHtml).join('');
  if (full.length <= limit) return full;

  // `<li>…</li>` is the longest marker (inside a list a bare marker would not be a list item).
  const markerReserve = `<li>${ellipsis}</li>`.length;
  const out: Piece[] = [];
  const stack: string[] = [];
  let length = 0;
  let closers = 0;
  const fits = (extra: number) => length + extra + closers + markerReserve <= limit;

  for (const piece of pieces) {
    if (piece.kind === 'close') {
      // Always fits: its length was reserved in `closers` when the tag was opened.
      out.push(piece);
      stack.pop();
      const closeLength = piece.tag.length + 3;
      length += closeLength;
      closers -= closeLength;
      continue;
    }
    if (piece.kind === 'open') {
      const closeLength = piece.tag.length + 3;
      if (!fits(piece.html.length + closeLength)) break;
      out.push(piece);
      stack.push(piece.tag);
      length += piece.html.length;
      closers += closeLength;
      continue;
    }
    const html = pieceHtml(piece);
    if (fits(html.length)) {
      out.push(piece);
      length += html.length;
      continue;
    }
    if (piece.kind === 'text') {
      let kept = '';
      for (const char of piece.text) {
        const charLength = escapeHtml(char).length;
        if (!fits(charLength)) break;
        kept += char;
        length += charLength;
      }
      if (kept !== '') out.push(text(kept));
    }
    break;
  }
  // An element opened just before the cut would stay empty; leave it out.
  while (out.length > 0 && out[out.length - 1]?.kind === 'open') {
    out.pop();
    stack.pop();
  }
  const innermost = stack[stack.length - 1];
  const marker = innermost === 'ul' || innermost === 'ol' ? `<li>${ellipsis}</li>` : ellipsis;
  const closing = [...stack].reverse().map((tag) => `</${tag}>`);
  return out.map(pieceHtml).join('') + marker + closing.join('');
}

// ---------------------------------------------------------------------------------------------
// The Markdown the audit builder writes: `[text](url)` links, `*italic*`, `**bold**`, `` `code` ``,
// backslash escapes (from `mdText`), and `- ` list lines. Nothing else is interpreted.

export type Inline =
  | { readonly t: 'text'; readonly text: string }
  | { readonly t: 'code'; readonly text: string }
  | { readonly t: 'em' | 'strong'; readonly children: readonly Inline[] }
  | { readonly t: 'link'; readonly url: string; readonly children: readonly Inline[] };

const asciiPunctuation = /[!-/:-@[-`{-~]/;

/** Index of `delimiter` in [from, to), skipping escapes and code spans; -1 if absent. */
function findDelimiter(src: string, from: number, to: number, delimiter: string): number {
  // Brackets nest, so `[a [b](x)](y)` finds the `]` that closes the outer text.
  let depth = 0;
  let i = from;
  while (i < to) {
    const c = src[i];
    if (c === '\\' && i + 1 < to) {
      i += 2;
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end !== -1 && end < to) {
        i = end + 1;
        continue;
      }
    }
    if (delimiter === ']' && c === '[') depth++;
    else if (delimiter === ']' && c === ']' && depth > 0) {
      depth--;
      i++;
      continue;
    }
    if (src.startsWith(delimiter, i) && i + delimiter.length <= to) {
      // A single `*` must not close on half of a `**`.
      if (delimiter === '*' && src[i + 1] === '*') {
        i += 2;
        continue;
      }
      return i;
    }
    i++;
  }
  return -1;
}

/** End index of a link destination starting at `from` (just after `(`): the matching `)`. */
function findDestinationEnd(src: string, from: number, to: number): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = src[i];
    if (c === ' ' || c === '\n' || c === '\t') return -1;
    if (c === '(') depth++;
    if (c === ')') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/**
 * Bounds on parsing work. The builder escapes every marker in user text, so its Markdown never
 * has unmatched `[` or `*` and never nests deeply; text that does is broken or hostile. Each
 * failed search for a closer scans to the end of the span, so 12,000 unmatched `[` took 770 ms
 * before this budget; past it, and past the nesting limit, markers are rendered as text.
 */
const maxFailedSearches = 32;
const maxNesting = 4;

interface ParseBudget {
  failedSearches: number;
}

export function parseInline(
  src: string,
  from = 0,
  to = src.length,
  depth = 0,
  budget: ParseBudget = { failedSearches: 0 },
): Inline[] {
  const markupAllowed = () => depth < maxNesting && budget.failedSearches < maxFailedSearches;
  const nodes: Inline[] = [];
  let buffer = '';
  const flush = () => {
    if (buffer !== '') nodes.push({ t: 'text', text: buffer });
    buffer = '';
  };
  let i = from;
  while (i < to) {
    const c = src[i] ?? '';
    const next = src[i + 1] ?? '';
    if (c === '\\' && i + 1 < to && asciiPunctuation.test(next)) {
      buffer += next;
      i += 2;
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end !== -1 && end < to) {
        flush();
        nodes.push({ t: 'code', text: src.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if (c === '[' && markupAllowed()) {
      const textEnd = findDelimiter(src, i + 1, to, ']');
      const urlEnd =
        textEnd !== -1 && src[textEnd + 1] === '(' ? findDestinationEnd(src, textEnd + 2, to) : -1;
      if (urlEnd !== -1) {
        flush();
        const children = parseInline(src, i + 1, textEnd, depth + 1, budget);
        nodes.push({ t: 'link', url: src.slice(textEnd + 2, urlEnd), children });
        i = urlEnd + 1;
        continue;
      }
      budget.failedSearches++;
    }
    if (c === '*' && markupAllowed()) {
      const strong = next === '*';
      const delimiter = strong ? '**' : '*';
      const start = i + delimiter.length;
      const end = findDelimiter(src, start, to, delimiter);
      if (end > start) {
        flush();
        nodes.push({
          t: strong ? 'strong' : 'em',
          children: parseInline(src, start, end, depth + 1, budget),
        });
        i = end + delimiter.length;
        continue;
      }
      budget.failedSearches++;
      if (strong) {
        // `**` with no closer is two literal stars; don't search again from the second one.
        buffer += '**';
        i += 2;
        continue;
      }
    }
    buffer += c;
    i++;
  }
  flush();
  return nodes;
}

function inlinePieces(nodes: readonly Inline[], inLink = false): Piece[] {
  return nodes.flatMap((node) => inlinePiece(node, inLink));
}

function inlinePiece(node: Inline, inLink: boolean): Piece[] {
  switch (node.t) {
    case 'text':
      return [text(node.text)];
    case 'code':
      return wrap('code', [text(node.text)]);
    case 'em':
      return wrap('i', inlinePieces(node.children, inLink));
    case 'strong':
      return wrap('b', inlinePieces(node.children, inLink));
    case 'link': {
      const children = inlinePieces(node.children, true);
      const href = safeHref(node.url);
      // A link inside a link is not valid HTML; keep the words.
      if (inLink || href === undefined) return children;
      // People are linked by mail address; in a chat room their name in bold reads better.
      if (href.startsWith('mailto:')) return wrap('b', children);
      return [open('a', `<a href="${escapeHtml(href)}">`), ...children, close('a')];
    }
  }
}

/** Inline Markdown of the audit builder as escaped HTML (links only to http(s); people in bold). */
export function inlineMarkdownToHtml(markdown: string): string {
  return inlinePieces(parseInline(markdown)).map(pieceHtml).join('');
}

/** The words of inline Markdown, without markup. */
export function inlineMarkdownToText(markdown: string): string {
  const walk = (nodes: readonly Inline[]): string =>
    nodes.map((n) => (n.t === 'text' || n.t === 'code' ? n.text : walk(n.children))).join('');
  return walk(parseInline(markdown));
}

function summaryPieces(description: string): Piece[] {
  const lines = description
    .split('\n')
    .map((line) => line.replace(/^\s*[-*]\s+/, '').trim())
    .filter((line) => line !== '');
  if (lines.length === 0) return [];
  const shown = lines.slice(0, summaryLineLimit);
  const items = shown.map((line) => wrap('li', inlinePieces(parseInline(line))));
  const hidden = lines.length - shown.length;
  if (hidden > 0) items.push(wrap('li', [text(`and ${hidden} more change${hidden === 1 ? '' : 's'}`)]));
  return wrap('ul', items.flat());
}

function commentPieces(comment: string): Piece[] {
  const lines = comment.split(/\r?\n/);
  const inner = lines.flatMap((line, index) => (index === 0 ? [text(line)] : [br, text(line)]));
  return [br, ...wrap('i', inner)];
}

// ---------------------------------------------------------------------------------------------
// Colour: what kind of change it was, at a glance.

const housekeepingKinds = new Set(['integration', 'webhook']);
const teamKinds = new Set(['member', 'role', 'token', 'team']);

export function hipChatColorFor(entry: Pick<AuditEntry, 'kind' | 'accesses' | 'titleVerb'>): HipChatColor {
  if (housekeepingKinds.has(entry.kind)) return 'gray';
  if (teamKinds.has(entry.kind)) return 'purple';
  const actions = entry.accesses.map((a) => a.action);
  if (actions.some((a) => a.startsWith('delete'))) return 'red';
  if (actions.some((a) => a.startsWith('create'))) return 'green';
  // `updateOn` says a switch moved, not which way; the title verb says which.
  if (actions.includes('updateOn')) {
    if (entry.titleVerb.startsWith('turned on')) return 'green';
    if (entry.titleVerb.startsWith('turned off')) return 'red';
  }
  return 'yellow';
}

/** A toggle's title already says everything its one-line description would repeat. */
function titleSaysItAll(entry: AuditEntry): boolean {
  return /^turned (on|off)\b/.test(entry.titleVerb);
}

function clipFrom(from: string): string {
  let out = '';
  for (const char of from) {
    if (out.length + char.length > fromLimit) break;
    out += char;
  }
  return out;
}

/**
 * The HipChat notification for one audit entry: the title (actor in bold, the target linked,
 * the environment as code), the comment in italics, and for edits a short list of what changed.
 * Every user-controlled string is HTML-escaped; only HipChat's allowed tags are produced.
 */
export function renderHipChatMessage(entry: AuditEntry, options: HipChatRenderOptions): HipChatMessage {
  const title = inlinePieces(parseInline(entry.title));
  const hasTitle = title.some((p) => p.kind === 'text' && p.text.trim() !== '');
  const pieces: Piece[] = hasTitle
    ? title
    : [text(entry.name.trim() === '' ? `A ${entry.kind} changed` : entry.name)];
  if (entry.comment !== undefined && entry.comment.trim() !== '')
    pieces.push(...commentPieces(entry.comment));
  if (!titleSaysItAll(entry)) pieces.push(...summaryPieces(entry.description));
  let message = fitPieces(pieces, hipChatMessageLimit);
  // HipChat requires at least one character.
  if (message === '')
    message = escapeHtml(`A ${entry.kind} changed`).slice(0, hipChatMessageLimit) || 'A change';
  return {
    from: clipFrom(options.from ?? defaultFrom),
    message_format: 'html',
    color: hipChatColorFor(entry),
    notify: options.notify,
    message,
  };
}

/** What `POST …/{id}/test` sends: proof that the room and token work, in housekeeping gray. */
export function renderHipChatTestMessage(integrationName: string, actorName: string): HipChatMessage {
  const pieces: Piece[] = [
    ...wrap('b', [text(actorName)]),
    text(' sent a test notification for the integration '),
    ...wrap('b', [text(integrationName)]),
    text('. Changes that match its policy will appear in this room.'),
  ];
  return {
    from: defaultFrom,
    message_format: 'html',
    color: 'gray',
    notify: false,
    message: fitPieces(pieces, hipChatMessageLimit),
  };
}
