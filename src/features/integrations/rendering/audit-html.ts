/**
 * HTML for chat: the message is built as a list of pieces, not a string, so that it can be cut at
 * a length limit without splitting a tag or an entity, and with every open tag closed. Pure.
 */
import { type Inline, parseInline, safeHref } from './audit-markdown.js';

const ellipsis = '…';

export type Piece =
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

export const text = (value: string): Piece => ({ kind: 'text', text: value });
export const open = (tag: string, html = `<${tag}>`): Piece => ({ kind: 'open', tag, html });
export const close = (tag: string): Piece => ({ kind: 'close', tag });
export const br: Piece = { kind: 'void', html: '<br>' };

export function wrap(tag: string, inner: readonly Piece[]): Piece[] {
  return [open(tag), ...inner, close(tag)];
}

export function pieceHtml(piece: Piece): string {
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

/**
 * Joins the pieces, cutting at `limit` characters when they don't fit: text is cut between
 * characters (so never inside an entity or a surrogate pair), tags are kept whole or left out,
 * open tags are closed, and a marker says something was left out.
 */
export function fitPieces(pieces: readonly Piece[], limit: number): string {
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

export function inlinePieces(nodes: readonly Inline[], inLink = false): Piece[] {
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
      if (href.startsWith('mailto:')) return wrap('b', children);
      return [open('a', `<a href="${escapeHtml(href)}">`), ...children, close('a')];
    }
  }
}

/** Inline Markdown of the audit builder as escaped HTML (links only to http(s); people in bold). */
export function inlineMarkdownToHtml(markdown: string): string {
  return inlinePieces(parseInline(markdown)).map(pieceHtml).join('');
}
