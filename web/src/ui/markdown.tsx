import type { ReactNode } from 'react';
import { parseRoute } from '../router';
import { Link } from './link';

/**
 * Renders the small Markdown the audit log writes (links, `code`, *emphasis*, backslash escapes and
 * "- " lists) as React elements: never as HTML, so nothing in a flag name can inject markup.
 */

function findClosing(text: string, from: number, char: string): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === char) return i;
  }
  return -1;
}

function renderLink(label: ReactNode[], href: string, key: number): ReactNode {
  let url: URL;
  try {
    url = new URL(href, window.location.origin);
  } catch {
    return <span key={key}>{label}</span>;
  }
  // A member's mailto link reads better as a name than as a link that opens a mail client.
  if (url.protocol === 'mailto:') {
    return (
      <span key={key} className="md-person">
        {label}
      </span>
    );
  }
  // Audit titles only link to Switchboard's own pages (at SWITCHBOARD_BASE_URL, whatever host that
  // names): those the UI has open in the app; the others (tokens, segments…) stay plain text.
  if (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    parseRoute(url.pathname, url.search).page !== 'not-found'
  ) {
    return (
      <Link key={key} className="md-link" to={`${url.pathname}${url.search}`}>
        {label}
      </Link>
    );
  }
  return <span key={key}>{label}</span>;
}

export function parseInline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let plain = '';
  const flush = () => {
    if (plain !== '') out.push(plain);
    plain = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (char === '\\' && i + 1 < text.length) {
      plain += text[++i];
      continue;
    }
    if (char === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i) {
        flush();
        out.push(<code key={out.length}>{text.slice(i + 1, end)}</code>);
        i = end;
        continue;
      }
    }
    if (char === '[') {
      const close = findClosing(text, i + 1, ']');
      if (close > i && text[close + 1] === '(') {
        const end = text.indexOf(')', close + 2);
        if (end > close) {
          flush();
          out.push(renderLink(parseInline(text.slice(i + 1, close)), text.slice(close + 2, end), out.length));
          i = end;
          continue;
        }
      }
    }
    if (char === '*') {
      const end = findClosing(text, i + 1, '*');
      if (end > i + 1) {
        flush();
        out.push(<em key={out.length}>{parseInline(text.slice(i + 1, end))}</em>);
        i = end;
        continue;
      }
    }
    plain += char;
  }
  flush();
  return out;
}

/** One line of Markdown, e.g. an audit title. */
export function MarkdownInline({ text }: { readonly text: string }) {
  return <>{parseInline(text)}</>;
}

/** Paragraphs and "- " lists, e.g. an audit description. */
export function MarkdownBlock({ text }: { readonly text: string }) {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const blocks: ReactNode[] = [];
  let items: string[] = [];
  const flushList = () => {
    if (items.length === 0) return;
    blocks.push(
      <ul key={blocks.length}>
        {items.map((item, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines of a fixed text, never reordered
          <li key={index}>{parseInline(item)}</li>
        ))}
      </ul>,
    );
    items = [];
  };
  for (const line of lines) {
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (item !== null) {
      items.push(item[1] ?? '');
      continue;
    }
    flushList();
    blocks.push(<p key={blocks.length}>{parseInline(line)}</p>);
  }
  flushList();
  return <div className="markdown">{blocks}</div>;
}
