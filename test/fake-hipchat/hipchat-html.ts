/**
 * What HipChat keeps of an HTML notification, as a checker: the tags it allows, balanced, with
 * entities escaped. HipChat strips rather than rejects, so the fake records these problems on the
 * message instead of answering 400, and tests assert there are none.
 */
export const hipChatAllowedTags: ReadonlySet<string> = new Set([
  'a',
  'b',
  'i',
  'strong',
  'em',
  'br',
  'img',
  'pre',
  'code',
  'ul',
  'ol',
  'li',
  'table',
  'tr',
  'td',
  'th',
  'span',
]);

const voidTags = new Set(['br', 'img']);

/** Attributes a sender has any business using; an `on…` handler or `style` is a sign of injection. */
const allowedAttributes: Readonly<Record<string, ReadonlySet<string>>> = {
  a: new Set(['href', 'title']),
  img: new Set(['src', 'alt', 'width', 'height']),
  span: new Set(['class', 'title']),
  td: new Set(['colspan', 'rowspan']),
  th: new Set(['colspan', 'rowspan']),
};

const tagPattern =
  /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/y;
const attributePattern = /([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
const entityPattern = /&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/y;

function decodeEntities(value: string): string {
  return value.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number(body.slice(1)));
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    return named[body] ?? whole;
  });
}

function attributeProblems(tag: string, attributes: string): string[] {
  const problems: string[] = [];
  const allowed = allowedAttributes[tag] ?? new Set<string>();
  for (const match of attributes.matchAll(attributePattern)) {
    const name = (match[1] ?? '').toLowerCase();
    const raw = match[2];
    if (!allowed.has(name)) {
      problems.push(`attribute ${name} not allowed on <${tag}>`);
      continue;
    }
    if (raw === undefined) {
      problems.push(`attribute ${name} on <${tag}> has no value`);
      continue;
    }
    if (!raw.startsWith('"') && !raw.startsWith("'"))
      problems.push(`attribute ${name} on <${tag}> is not quoted`);
    const value = decodeEntities(raw.replace(/^["']|["']$/g, '')).trim();
    if (name === 'href' && !/^(https?:|mailto:)/i.test(value))
      problems.push(`href ${value} is not http(s) or mailto`);
    if (name === 'src' && !/^https?:/i.test(value)) problems.push(`src ${value} is not http(s)`);
  }
  return problems;
}

/** Everything HipChat would strip or misread in `html`; empty when the message is clean. */
export function findHipChatHtmlProblems(html: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let i = 0;
  while (i < html.length) {
    const c = html[i];
    if (c === '<') {
      tagPattern.lastIndex = i;
      const match = tagPattern.exec(html);
      if (match === null) {
        problems.push(`unescaped < at ${i}`);
        i++;
        continue;
      }
      const closing = match[1] === '/';
      const tag = (match[2] ?? '').toLowerCase();
      const attributes = match[3] ?? '';
      if (!hipChatAllowedTags.has(tag)) {
        problems.push(`tag <${tag}> not allowed`);
      } else if (closing) {
        if (voidTags.has(tag)) problems.push(`closing tag </${tag}> for a void element`);
        else if (stack[stack.length - 1] === tag) stack.pop();
        else problems.push(`</${tag}> does not close the open <${stack[stack.length - 1] ?? 'nothing'}>`);
        if (attributes.trim() !== '') problems.push(`closing tag </${tag}> has attributes`);
      } else {
        problems.push(...attributeProblems(tag, attributes));
        if (!voidTags.has(tag)) {
          if (match[4] === '/') problems.push(`<${tag}/> self-closed`);
          else stack.push(tag);
        }
      }
      i += match[0].length;
      continue;
    }
    if (c === '&') {
      entityPattern.lastIndex = i;
      if (!entityPattern.test(html)) problems.push(`bare & at ${i}`);
      i++;
      continue;
    }
    if (c === '>') problems.push(`unescaped > at ${i}`);
    i++;
  }
  for (const tag of stack.reverse()) problems.push(`<${tag}> is never closed`);
  return problems;
}

/** The text a reader sees: tags removed, entities decoded. */
export function hipChatVisibleText(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ''));
}
