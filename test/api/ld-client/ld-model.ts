import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The official client's models, read from its generated `api.ts`: for every interface, which
 * properties are required and of what declared type. `modelProblems` checks a response against
 * them the way a typed client relies on them: every required property present, every present one
 * of its declared type (recursively through arrays, maps and nested models).
 */
interface Property {
  readonly name: string;
  readonly required: boolean;
  readonly type: string;
}

const require = createRequire(import.meta.url);
const source = readFileSync(
  join(dirname(require.resolve('launchdarkly-api-typescript/package.json')), 'api.ts'),
  'utf8',
);

const interfaces = new Map<string, Property[]>();
const aliases = new Map<string, string>();
const enums = new Map<string, unknown[]>();

for (const match of source.matchAll(/^export interface (\w+) \{\n([\s\S]*?)^\}/gm)) {
  const [, name, body] = match as unknown as [string, string, string];
  const properties: Property[] = [];
  for (const line of body.matchAll(/^ {4}'([^']+)'(\??): (.*);$/gm)) {
    const [, prop, optional, type] = line as unknown as [string, string, string, string];
    properties.push({ name: prop, required: optional !== '?', type });
  }
  interfaces.set(name, properties);
}
for (const match of source.matchAll(/^export const (\w+) = \{\n([\s\S]*?)^\} as const;/gm)) {
  const [, name, body] = match as unknown as [string, string, string];
  const values = [...body.matchAll(/: ('[^']*'|-?\d+(?:\.\d+)?|true|false)/g)].map((m) =>
    JSON.parse((m[1] as string).replace(/'/g, '"')),
  );
  enums.set(name, values);
}
for (const match of source.matchAll(/^export type (\w+) = (.*);$/gm)) {
  const [, name, type] = match as unknown as [string, string, string];
  if (!enums.has(name)) aliases.set(name, type);
}

/** Splits `A | B` at the top level only (not inside `<…>` or `{…}`). */
function topLevel(type: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < type.length; i += 1) {
    const c = type[i];
    if (c === '<' || c === '{' || c === '(') depth += 1;
    else if (c === '>' || c === '}' || c === ')') depth -= 1;
    else if (depth === 0 && type.startsWith(separator, i)) {
      parts.push(type.slice(start, i).trim());
      start = i + separator.length;
    }
  }
  parts.push(type.slice(start).trim());
  return parts;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function check(type: string, value: unknown, pointer: string, problems: string[], depth: number): void {
  if (depth > 12) return;
  const union = topLevel(type, ' | ');
  if (union.length > 1) {
    const attempts = union.map((member) => {
      const found: string[] = [];
      check(member, value, pointer, found, depth + 1);
      return found;
    });
    if (attempts.every((found) => found.length > 0)) problems.push(...(attempts[0] as string[]));
    return;
  }
  const t = type.trim();
  if (t === 'any' || t === 'object' || t === 'unknown') return;
  if (t === 'null') {
    if (value !== null) problems.push(`${pointer}: expected null, got ${describe(value)}`);
    return;
  }
  if (t === 'string' || t === 'number' || t === 'boolean') {
    if (typeof value !== t) problems.push(`${pointer}: expected ${t}, got ${describe(value)}`);
    return;
  }
  if (/^'.*'$/.test(t)) {
    if (value !== t.slice(1, -1)) problems.push(`${pointer}: expected ${t}, got ${JSON.stringify(value)}`);
    return;
  }
  const array = /^Array<(.*)>$/.exec(t);
  if (array) {
    if (!Array.isArray(value)) {
      problems.push(`${pointer}: expected an array, got ${describe(value)}`);
      return;
    }
    for (const [i, item] of value.entries())
      check(array[1] as string, item, `${pointer}/${i}`, problems, depth + 1);
    return;
  }
  const map = /^\{ \[key: string\]: (.*); \}$/.exec(t);
  if (map) {
    if (describe(value) !== 'object') {
      problems.push(`${pointer}: expected an object, got ${describe(value)}`);
      return;
    }
    for (const [k, v] of Object.entries(value as object))
      check(
        map[1] as string,
        v,
        `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        problems,
        depth + 1,
      );
    return;
  }
  const values = enums.get(t);
  if (values !== undefined) {
    if (!values.includes(value)) problems.push(`${pointer}: ${JSON.stringify(value)} is not one of ${t}`);
    return;
  }
  const alias = aliases.get(t);
  if (alias !== undefined) {
    check(alias, value, pointer, problems, depth + 1);
    return;
  }
  const model = interfaces.get(t);
  if (model === undefined) throw new Error(`ld-model: no model or type named ${t}`);
  if (describe(value) !== 'object') {
    problems.push(`${pointer}: expected a ${t} object, got ${describe(value)}`);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const property of model) {
    const at = `${pointer}/${property.name}`;
    if (!(property.name in record) || record[property.name] === undefined) {
      if (property.required) problems.push(`${at}: required by ${t}, missing`);
      continue;
    }
    check(property.type, record[property.name], at, problems, depth + 1);
  }
}

/** What in `value` breaks the client's model `name` (JSON pointers), empty when it conforms. */
export function modelProblems(name: string, value: unknown): string[] {
  if (!interfaces.has(name)) throw new Error(`ld-model: the client has no model named ${name}`);
  const problems: string[] = [];
  check(name, value, '', problems, 0);
  return problems;
}

/** The required properties of a model, for tests that assert the checker itself. */
export function requiredProperties(name: string): string[] {
  return (interfaces.get(name) ?? []).filter((p) => p.required).map((p) => p.name);
}
