import Handlebars from 'handlebars';
import { ValidationError } from '../../errors/app-errors.js';
import type { AuditEntry } from '../audit/audit-model.js';
import { inlineMarkdownToHtml } from '../integrations/rendering/audit-html.js';
import { inlineMarkdownToText } from '../integrations/rendering/audit-markdown.js';
import { meterHelpers, RenderBudget, withinBudget } from './render-budget.js';
import { TemplateError } from './template-error.js';
import { checkAndMeter, checkSourceSize, meterHelper, type TemplateTarget } from './template-rules.js';

/**
 * What a template produces: `html` a HipChat message (Handlebars' HTML escaping, no `{{{ }}}`),
 * `json` a JSON document (every inserted string JSON-escaped and required to sit inside a JSON
 * string; the result must parse).
 */
export type { TemplateTarget } from './template-rules.js';

/** Per-channel touches on the context: how `title.markdown` and text values read there. */
export interface TemplateFlavor {
  readonly target: TemplateTarget;
  /** Applied to every string value before it is inserted (Slack escapes `&`, `<`, `>`). */
  readonly escapeText?: (text: string) => string;
  /** The title as the channel's Markdown (Slack mrkdwn); default: the audit entry's Markdown. */
  readonly markdownTitle?: (markdown: string) => string;
  /** JSON targets: what the parsed document must be for the channel (its size limit too); why not. */
  readonly checkDocument?: (document: unknown) => string | undefined;
  /** HTML targets: the channel's limit on a message, checked at save and at every render. */
  readonly messageLimit?: { readonly characters: number; readonly channel: string };
}

// Private-use code points mark where an inserted string begins and ends, so the rendered JSON
// can be checked for values that landed outside a string literal (where `{}` or `1, 2` would
// change the document's structure). User text cannot forge them: they are stripped from it.
const open = '\uE000';
const close = '\uE001';
const markers = /[\uE000\uE001]/g;

const handlebars = Handlebars.create();
meterHelpers(handlebars, meterHelper);

export interface CompiledTemplate {
  readonly flavor: TemplateFlavor;
  readonly render: HandlebarsTemplateDelegate;
}

function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^-*\^$/.test(l))
    .join(' ');
}

export function compileTemplate(source: string, flavor: TemplateFlavor): CompiledTemplate {
  checkSourceSize(source);
  let ast: hbs.AST.Program;
  try {
    ast = handlebars.parse(source);
  } catch (error) {
    throw new TemplateError(oneLine((error as Error).message));
  }
  checkAndMeter(ast, flavor.target);
  // Only the built-in helpers (if, unless, each, with, lookup): a template is data, not code.
  const render = handlebars.compile(ast, {
    knownHelpersOnly: true,
    knownHelpers: { [meterHelper]: true, log: false },
    noEscape: flavor.target === 'json',
    strict: false,
  });
  return { flavor, render };
}

const grouped = (n: number) => n.toLocaleString('en-US');

/** The JSON-escaped content of a string literal, without its quotes. */
function jsonContent(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/**
 * Values that are not user text for the channel's markup: `title.markdown` is already the
 * channel's markup (escaping it again shows `&lt;` and `\*\*` to readers), and links, times
 * and ids are machine values (escaped, a URL or a date stops working). All are still
 * JSON-escaped and marked.
 */
const markupReady = (path: readonly string[]) =>
  (path.length === 2 && path[0] === 'title' && path[1] === 'markdown') ||
  path[0] === '_links' ||
  path[0] === 'timestamp' ||
  (path.length === 1 && path[0] === '_id');

function prepare(
  value: unknown,
  flavor: TemplateFlavor,
  safeHtml: boolean,
  path: readonly string[],
): unknown {
  if (typeof value === 'string') {
    const clean = value.replace(markers, '');
    if (flavor.target === 'html') return safeHtml ? new handlebars.SafeString(clean) : clean;
    const text = flavor.escapeText === undefined || markupReady(path) ? clean : flavor.escapeText(clean);
    return text === '' ? '' : `${open}${jsonContent(text)}${close}`;
  }
  if (Array.isArray(value)) return value.map((v, i) => prepare(v, flavor, false, [...path, String(i)]));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, prepare(v, flavor, safeHtml || k === 'html', [...path, k])]),
    );
  }
  return value;
}

/** Every marked value must be inside a string literal; returns the text without the markers. */
function checkJsonPlacement(rendered: string): string {
  let inString = false;
  let line = 1;
  for (let i = 0; i < rendered.length; i++) {
    const c = rendered[i];
    if (c === '\n') line++;
    if (inString) {
      // A template's own backslash right before a value would escape the value's first
      // character once the markers are gone (`\\"` closes the string): refused.
      if (c === '\\' && rendered[i + 1] === open)
        throw new TemplateError(`line ${line} of the output: a value follows a backslash`);
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === open) {
      throw new TemplateError(
        `line ${line} of the output: a value is inserted outside a JSON string; put it in quotes ("{{…}}")`,
      );
    }
  }
  return rendered.replace(markers, '');
}

/**
 * Renders an entry. For JSON targets the result is a parsed value (the caller serializes it
 * again, so what is sent is always well-formed JSON); for HTML the message text.
 */
export function renderTemplate(template: CompiledTemplate, entry: AuditEntry, now?: number): string {
  const context = prepare(templateContext(entry, template.flavor, now), template.flavor, false, []);
  let out: string;
  try {
    out = withinBudget(new RenderBudget(), () => template.render(context));
  } catch (error) {
    throw new TemplateError(oneLine((error as Error).message));
  }
  if (template.flavor.target === 'html') {
    const limit = template.flavor.messageLimit;
    if (limit !== undefined && out.length > limit.characters)
      throw new TemplateError(
        `renders a message of ${grouped(out.length)} characters; ${limit.channel} takes at most ${grouped(limit.characters)}`,
      );
    return out;
  }
  const text = checkJsonPlacement(out);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new TemplateError(`does not render valid JSON: ${(error as Error).message}`);
  }
  const problem = template.flavor.checkDocument?.(document);
  if (problem !== undefined) throw new TemplateError(problem);
  return JSON.stringify(document);
}

function displayName(entry: AuditEntry): string {
  const m = entry.member;
  if (m === undefined) return entry.token?.name ?? 'Switchboard';
  const full = [m.firstName, m.lastName].filter((p) => p !== undefined && p !== '').join(' ');
  return full === '' ? m.email : full;
}

/** `proj/default:env/production:flag/x` → the project and environment keys it names. */
function projectOf(entry: AuditEntry): { key?: string; environment?: { key: string } } {
  const resource = entry.accesses[0]?.resource ?? entry.target.resources[0] ?? '';
  const project = /(?:^|:)proj\/([^:;]+)/.exec(resource)?.[1];
  const environment = /(?:^|:)env\/([^:;]+)/.exec(resource)?.[1];
  return {
    ...(project === undefined ? {} : { key: project }),
    ...(environment === undefined ? {} : { environment: { key: environment } }),
  };
}

/**
 * The context LaunchDarkly's integration framework gives templates (reference/delivery.md):
 * title in three forms, details, timestamp, project.environment, member.displayName, comment,
 * kind, verbKind and _links; plus name, accesses and the raw Markdown description.
 */
export function templateContext(entry: AuditEntry, flavor: TemplateFlavor, now?: number) {
  const date = entry.date ?? now ?? Date.now();
  return {
    title: {
      plainText: inlineMarkdownToText(entry.title),
      markdown: flavor.markdownTitle === undefined ? entry.title : flavor.markdownTitle(entry.title),
      html: inlineMarkdownToHtml(entry.title),
    },
    details: entry.description,
    timestamp: {
      milliseconds: date,
      seconds: Math.floor(date / 1000),
      rfc3339: new Date(date).toISOString(),
    },
    project: projectOf(entry),
    member: {
      displayName: displayName(entry),
      ...(entry.member === undefined ? {} : { email: entry.member.email, _id: entry.member._id }),
    },
    comment: entry.comment ?? '',
    kind: entry.kind,
    verbKind: entry.titleVerb,
    name: entry.name,
    _id: entry._id,
    _links: entry._links,
    accesses: entry.accesses,
  };
}

const hostile = '"}]} <script>alert(1)</script> & \\ \n{{x}} \u2028';

/** Entries a template must render on save: a toggle with a comment, a bare one, a hostile one. */
export const sampleEntries: readonly AuditEntry[] = [
  {
    _id: '000000000000000000000001',
    _links: {
      self: { href: '/api/v2/auditlog/000000000000000000000001', type: 'application/json' },
      site: { href: '/default/production/features/new-checkout', type: 'text/html' },
    },
    date: 1472243938774,
    kind: 'flag',
    name: 'New checkout',
    accesses: [{ action: 'updateOn', resource: 'proj/default:env/production:flag/new-checkout' }],
    titleVerb: 'turned on the flag',
    title:
      '[Ariel Flores](mailto:ariel@acme.com) turned on the flag [New checkout](https://flags.example.com/default/production/features/new-checkout) in `Production`',
    description: '- Turned the flag on',
    shortDescription: '',
    comment: 'Ship it',
    member: {
      _id: '000000000000000000000002',
      email: 'ariel@acme.com',
      firstName: 'Ariel',
      lastName: 'Flores',
    },
    target: { name: 'New checkout', resources: ['proj/default:env/production:flag/new-checkout'] },
  },
  {
    _id: '000000000000000000000003',
    _links: { self: { href: '/api/v2/auditlog/000000000000000000000003', type: 'application/json' } },
    date: 1472243938774,
    kind: 'member',
    name: 'bo@acme.com',
    accesses: [{ action: 'createMember', resource: 'member/000000000000000000000004' }],
    titleVerb: 'invited the member',
    title: '[Ariel Flores](mailto:ariel@acme.com) invited the member bo@acme.com',
    description: '',
    shortDescription: '',
    target: { name: 'bo@acme.com', resources: ['member/000000000000000000000004'] },
  },
  {
    _id: '000000000000000000000005',
    _links: { self: { href: '/api/v2/auditlog/000000000000000000000005', type: 'application/json' } },
    date: 1472243938774,
    kind: 'flag',
    name: hostile,
    accesses: [{ action: 'updateName', resource: 'proj/default:env/test:flag/x' }],
    titleVerb: 'updated the flag',
    title: `[${hostile}](mailto:x@acme.com) updated the flag ${hostile}`,
    description: `- ${hostile}`,
    shortDescription: hostile,
    comment: hostile,
    member: { _id: '000000000000000000000006', email: 'x@acme.com', firstName: hostile },
    target: { name: hostile, resources: ['proj/default:env/test:flag/x'] },
  },
];

/** Compiles and renders the samples; a problem is a 400 at `pointer` saying what and where. */
export function validateTemplate(source: string, flavor: TemplateFlavor, pointer: string): void {
  try {
    const template = compileTemplate(source, flavor);
    for (const entry of sampleEntries) {
      const out = renderTemplate(template, entry);
      if (out.trim() === '') throw new TemplateError('renders an empty message');
    }
  } catch (error) {
    if (error instanceof TemplateError) throw ValidationError.at(pointer, error.message);
    throw error;
  }
}

/** Compiled templates by source, per channel: a template is compiled once, not per message. */
export class TemplateCache {
  private readonly compiled = new Map<string, CompiledTemplate>();
  constructor(private readonly flavor: TemplateFlavor) {}

  render(source: string, entry: AuditEntry): string {
    let template = this.compiled.get(source);
    if (template === undefined) {
      if (this.compiled.size >= 500) this.compiled.clear();
      template = compileTemplate(source, this.flavor);
      this.compiled.set(source, template);
    }
    return renderTemplate(template, entry);
  }
}
