/**
 * The Markdown the audit builder writes, read once for every kind: `[text](url)` links,
 * `*italic*`, `**bold**`, `` `code` ``, backslash escapes (from `mdText`), and `- ` list lines.
 * Nothing else is interpreted. Pure: each kind turns the parsed nodes into its own syntax.
 */
import type { AuditEntry } from '../../audit/audit-model.js';

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

/** The words of inline Markdown, without markup. */
export function inlineMarkdownToText(markdown: string): string {
  const walk = (nodes: readonly Inline[]): string =>
    nodes.map((n) => (n.t === 'text' || n.t === 'code' ? n.text : walk(n.children))).join('');
  return walk(parseInline(markdown));
}

/** How a kind writes each inline node; links reach it only when safe, people are in bold. */
export interface InlineSyntax {
  text(text: string): string;
  code(text: string): string;
  em(inner: string): string;
  strong(inner: string): string;
  link(href: string, words: string): string;
}

/** Parsed inline Markdown in a kind's syntax: unsafe links and links inside links keep their words. */
export function renderInline(nodes: readonly Inline[], syntax: InlineSyntax, inLink = false): string {
  return nodes
    .map((node) => {
      switch (node.t) {
        case 'text':
          return syntax.text(node.text);
        case 'code':
          return syntax.code(node.text);
        case 'em':
          return syntax.em(renderInline(node.children, syntax, inLink));
        case 'strong':
          return syntax.strong(renderInline(node.children, syntax, inLink));
        case 'link': {
          const words = renderInline(node.children, syntax, true);
          const href = safeHref(node.url);
          if (inLink || href === undefined) return words;
          // People are linked by mail address; in a chat room their name in bold reads better.
          if (href.startsWith('mailto:')) return syntax.strong(words);
          return syntax.link(href, words);
        }
      }
      return '';
    })
    .join('');
}

/** A summary is for glancing at in chat; the full change is one click away. */
export const summaryLineLimit = 10;

/** What changed, as chat shows it: at most ten Markdown lines, then how many more there were. */
export interface ChangeSummary {
  readonly lines: readonly string[];
  /** "and 3 more changes" (plain text), when lines were left out. */
  readonly more: string | undefined;
}

/** A toggle's title already says everything its one-line description would repeat. */
export function titleSaysItAll(entry: Pick<AuditEntry, 'titleVerb'>): boolean {
  return /^turned (on|off)\b/.test(entry.titleVerb);
}

/** The description's list lines for chat, or undefined when there is nothing to add to the title. */
export function changeSummary(
  entry: Pick<AuditEntry, 'description' | 'titleVerb'>,
): ChangeSummary | undefined {
  if (titleSaysItAll(entry)) return undefined;
  const lines = entry.description
    .split('\n')
    .map((line) => line.replace(/^\s*[-*]\s+/, '').trim())
    .filter((line) => line !== '');
  if (lines.length === 0) return undefined;
  const hidden = lines.length - summaryLineLimit;
  return {
    lines: lines.slice(0, summaryLineLimit),
    more: hidden > 0 ? `and ${hidden} more change${hidden === 1 ? '' : 's'}` : undefined,
  };
}
