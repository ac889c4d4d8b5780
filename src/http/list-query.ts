import { Type } from '@sinclair/typebox';
import { ValidationError } from '../errors/app-errors.js';

/**
 * LaunchDarkly's list parameters, shared by every `/api/v2` list: `limit`/`offset` with the
 * `first`/`prev`/`next`/`last` links, `filter` in its two grammars (`field:value,…` for flags,
 * projects, environments and members; `field operator value,…` for segments and metrics),
 * `sort=a,-b` and `expand=a,b`. Pure: routes parse with it, services turn the result into a
 * store query. Errors name the parameter as `query /name`, as schema errors do.
 */

export interface PageRule {
  readonly defaultLimit: number;
  readonly maxLimit: number;
}

export interface Paging {
  readonly limit: number;
  readonly offset: number;
}

/** `limit` and `offset` for a route's querystring schema (the OpenAPI document shows them). */
export function pagingSchema(rule: PageRule, noun: string) {
  return {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: rule.maxLimit,
        description: `The number of ${noun} to return. Defaults to ${rule.defaultLimit}, at most ${rule.maxLimit}.`,
      }),
    ),
    offset: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: `Where to start in the list: an offset of 10 skips the first ten ${noun}.`,
      }),
    ),
  };
}

export function paging(
  query: { limit?: number | undefined; offset?: number | undefined },
  rule: PageRule,
): Paging {
  return { limit: query.limit ?? rule.defaultLimit, offset: query.offset ?? 0 };
}

const filterPointer = 'query /filter';

function refuse(pointer: string, message: string): never {
  throw ValidationError.at(pointer, message);
}

/** Splits on `separator` outside braces, brackets and double quotes (JSON values hold commas). */
export function splitTopLevel(raw: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') depth--;
    else if (c === separator && depth === 0) {
      parts.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(raw.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The filter fields a list takes, and LaunchDarkly's others it refuses by name (not silently). */
export interface FilterFields {
  readonly supported: readonly string[];
  /** LaunchDarkly fields Switchboard has no data for: a 400 that says so. */
  readonly unsupported?: readonly string[];
}

function checkField(field: string, fields: FilterFields, seen: Set<string>): void {
  if (fields.unsupported?.includes(field)) {
    refuse(filterPointer, `filter field "${field}" is not supported by Switchboard`);
  }
  if (!fields.supported.includes(field)) {
    refuse(filterPointer, `unknown filter field "${field}" (supported: ${fields.supported.join(', ')})`);
  }
  if (seen.has(field)) refuse(filterPointer, `filter field "${field}" is given twice`);
  seen.add(field);
}

/** `filter=query:abc,tags:a+b,creationDate:{"before":1}`: each field once, values as written. */
export function parseColonFilter(raw: string | undefined, fields: FilterFields): Map<string, string> {
  const found = new Map<string, string>();
  if (raw === undefined) return found;
  for (const term of splitTopLevel(raw, ',')) {
    const colon = term.indexOf(':');
    if (colon <= 0) refuse(filterPointer, `"${term}" is not field:value`);
    const field = term.slice(0, colon).trim();
    checkField(field, fields, new Set(found.keys()));
    found.set(field, term.slice(colon + 1).trim());
  }
  return found;
}

export type FilterOperator = 'equals' | 'anyOf' | 'exists' | 'contains';

export interface OperatorTerm {
  readonly op: FilterOperator;
  readonly value: unknown;
}

const operatorTerm = /^([A-Za-z][A-Za-z0-9.]*)\s+(equals|anyOf|exists|contains|startsWith)\s+(.+)$/s;

function termValue(text: string): unknown {
  if (/^[[{"]|^(true|false|null)$|^-?\d/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      refuse(filterPointer, `${text} is not a JSON value`);
    }
  }
  return text;
}

/**
 * `filter=tags anyOf ["a","b"],query equals "toggle"` (segments, metrics). Commas join terms
 * with AND; LaunchDarkly's `|` (OR) and parentheses are refused by name rather than misread.
 */
export function parseOperatorFilter(
  raw: string | undefined,
  fields: FilterFields & { readonly operators: Readonly<Record<string, readonly FilterOperator[]>> },
): Map<string, OperatorTerm> {
  const found = new Map<string, OperatorTerm>();
  if (raw === undefined) return found;
  if (splitTopLevel(raw, '|').length > 1 || /^\s*\(/.test(raw)) {
    refuse(filterPointer, 'OR (|) and grouping with parentheses are not supported; join terms with commas');
  }
  for (const term of splitTopLevel(raw, ',')) {
    const match = operatorTerm.exec(term);
    if (match === null) refuse(filterPointer, `"${term}" is not "field operator value"`);
    const [, field = '', op = '', value = ''] = match;
    checkField(field, fields, new Set(found.keys()));
    const allowed = fields.operators[field] ?? [];
    if (!allowed.includes(op as FilterOperator)) {
      refuse(filterPointer, `filter field "${field}" takes ${allowed.join(' or ')}, not ${op}`);
    }
    found.set(field, { op: op as FilterOperator, value: termValue(value.trim()) });
  }
  return found;
}

export interface SortField {
  readonly field: string;
  readonly desc: boolean;
}

/** `sort=name,-creationDate`: known fields only, each once. */
export function parseSort(raw: string | undefined, allowed: readonly string[]): SortField[] {
  if (raw === undefined || raw.trim() === '') return [];
  const fields = splitTopLevel(raw, ',').map((term) => {
    const desc = term.startsWith('-');
    const field = desc ? term.slice(1) : term.replace(/^\+/, '');
    if (!allowed.includes(field)) {
      refuse('query /sort', `cannot sort by "${field}" (sort by: ${allowed.join(', ')})`);
    }
    return { field, desc };
  });
  if (new Set(fields.map((f) => f.field)).size !== fields.length) {
    refuse('query /sort', 'a field is given twice');
  }
  return fields;
}

/** `expand=a,b`: known fields only; LaunchDarkly's others are refused by name. */
export function parseExpand(raw: string | undefined, fields: FilterFields): Set<string> {
  const found = new Set<string>();
  if (raw === undefined) return found;
  for (const field of splitTopLevel(raw, ',')) {
    if (fields.unsupported?.includes(field)) {
      refuse('query /expand', `expand=${field} is not supported by Switchboard`);
    }
    if (!fields.supported.includes(field)) {
      refuse(
        'query /expand',
        `cannot expand "${field}"${fields.supported.length > 0 ? ` (expand: ${fields.supported.join(', ')})` : ''}`,
      );
    }
    found.add(field);
  }
  return found;
}

/** `a|b|c` or `a+b` list values, blanks dropped. */
export function listValue(value: string, separator: RegExp): string[] {
  return value
    .split(separator)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** A JSON object value (`creationDate:{"before":1}`), with only the keys it may have. */
export function objectValue(field: string, value: string, keys: readonly string[]): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    refuse(filterPointer, `filter field "${field}" takes a JSON object such as {"${keys[0]}": …}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    refuse(filterPointer, `filter field "${field}" takes a JSON object such as {"${keys[0]}": …}`);
  }
  for (const k of Object.keys(parsed)) {
    if (!keys.includes(k))
      refuse(filterPointer, `filter field "${field}" takes ${keys.join(' or ')}, not ${k}`);
  }
  return parsed as Record<string, unknown>;
}

export function booleanValue(field: string, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return refuse(filterPointer, `filter field "${field}" takes true or false`);
}

/** A filter value that is a string or a list of strings, as a list. */
export function stringValues(field: string, value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  if (values.every((v): v is string => typeof v === 'string')) return values;
  return refuse(filterPointer, `filter field "${field}" takes a string or a list of strings`);
}

export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  return refuse(filterPointer, `filter field "${field}" takes ${allowed.join(', ')}`);
}

interface Link {
  href: string;
  type: string;
}

/**
 * `self`, and `first`/`prev`/`next`/`last` where those pages exist (LaunchDarkly leaves out the
 * ones that do not: no `first`/`prev` on the first page, no `next`/`last` on the last). Each
 * keeps the request's other parameters, so following `next` until it is gone visits every page.
 */
export function pageLinks(url: string, page: Paging & { readonly totalCount: number }): Record<string, Link> {
  const [path = '', search = ''] = url.split('?', 2);
  const at = (offset: number): Link => {
    const params = new URLSearchParams(search);
    params.set('limit', String(page.limit));
    params.set('offset', String(offset));
    return { href: `${path}?${params.toString()}`, type: 'application/json' };
  };
  const links: Record<string, Link> = { self: at(page.offset) };
  if (page.offset > 0) {
    links.first = at(0);
    links.prev = at(Math.max(0, page.offset - page.limit));
  }
  if (page.offset + page.limit < page.totalCount) {
    links.next = at(page.offset + page.limit);
    links.last = at(Math.floor((page.totalCount - 1) / page.limit) * page.limit);
  }
  return links;
}
