import {
  type AttributeReference,
  attributeReference,
  isKindReference,
  readReference,
} from './attribute-reference.js';

/**
 * An evaluation context as LaunchDarkly defines it: one or more kinds, each with a key and
 * attributes. Parsing validates what the SDKs validate, and reports every problem with a JSON
 * pointer so an endpoint can answer 400 with it.
 */
export interface ContextOfKind {
  readonly kind: string;
  readonly key: string;
  readonly anonymous: boolean;
  /** The object as given (for old-style users: flattened), `key` and `kind` included. */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly privateAttributes: readonly string[];
}

export interface Context {
  readonly multi: boolean;
  /** In the order given; a multi-kind context of one kind is that single kind. */
  readonly kinds: readonly string[];
  readonly byKind: ReadonlyMap<string, ContextOfKind>;
}

export interface ContextProblem {
  readonly pointer: string;
  readonly message: string;
}

export type ParsedContext =
  | { readonly ok: true; readonly context: Context }
  | { readonly ok: false; readonly problems: readonly ContextProblem[] };

export const userKind = 'user';
const kindPattern = /^[A-Za-z0-9._-]+$/;
/** Attributes an old-style user carried at the top level; anything else had to go in `custom`. */
const legacyBuiltIns = ['name', 'ip', 'firstName', 'lastName', 'email', 'avatar', 'country'] as const;

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function kindProblem(kind: string, pointer: string): ContextProblem | undefined {
  if (kind === 'kind' || kind === 'multi')
    return { pointer, message: `"${kind}" is reserved and cannot be a context kind` };
  if (!kindPattern.test(kind))
    return { pointer, message: 'A context kind may only contain letters, digits, ".", "_" and "-"' };
  return undefined;
}

function privateAttributesOf(meta: unknown, pointer: string, problems: ContextProblem[]): string[] {
  if (meta === undefined || meta === null) return [];
  if (!isObject(meta)) {
    problems.push({ pointer, message: '"_meta" must be an object' });
    return [];
  }
  const list = meta.privateAttributes;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) || !list.every((a): a is string => typeof a === 'string')) {
    problems.push({
      pointer: `${pointer}/privateAttributes`,
      message: 'Private attributes must be an array of strings',
    });
    return [];
  }
  return list;
}

function anonymousOf(value: unknown, pointer: string, problems: ContextProblem[]): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') problems.push({ pointer, message: '"anonymous" must be true or false' });
  return value === true;
}

function singleKind(kind: string, json: Json, pointer: string, problems: ContextProblem[]): ContextOfKind {
  const key = json.key;
  if (typeof key !== 'string' || key === '') {
    problems.push({ pointer: `${pointer}/key`, message: 'A context needs a non-empty string "key"' });
  }
  return {
    kind,
    key: typeof key === 'string' ? key : '',
    anonymous: anonymousOf(json.anonymous, `${pointer}/anonymous`, problems),
    attributes: json,
    privateAttributes: privateAttributesOf(json._meta, `${pointer}/_meta`, problems),
  };
}

/** A user object from before context kinds: `custom` is flattened; an empty key was allowed. */
function legacyUser(json: Json, problems: ContextProblem[]): ContextOfKind {
  const { key, custom } = json;
  if (typeof key !== 'string' && typeof key !== 'number') {
    problems.push({ pointer: '/key', message: 'A user needs a "key" (or a "kind" for a context)' });
  }
  if (custom !== undefined && custom !== null && !isObject(custom)) {
    problems.push({ pointer: '/custom', message: '"custom" must be an object' });
  }
  const attributes: Record<string, unknown> = {
    ...(isObject(custom) ? custom : {}),
    kind: userKind,
    key: String(key),
  };
  if (json.anonymous !== undefined && json.anonymous !== null) {
    delete attributes.anonymous;
    attributes.anonymous = anonymousOf(json.anonymous, '/anonymous', problems);
  }
  for (const name of legacyBuiltIns) {
    if (json[name] !== undefined && json[name] !== null) attributes[name] = json[name];
  }
  const names = json.privateAttributeNames;
  const privateAttributes =
    Array.isArray(names) && names.every((n): n is string => typeof n === 'string') ? names : [];
  if (names !== undefined && names !== null && privateAttributes !== names) {
    problems.push({
      pointer: '/privateAttributeNames',
      message: 'Private attribute names must be an array of strings',
    });
  }
  return {
    kind: userKind,
    key: String(key),
    anonymous: Boolean(attributes.anonymous),
    attributes,
    privateAttributes,
  };
}

function single(part: ContextOfKind): Context {
  return { multi: false, kinds: [part.kind], byKind: new Map([[part.kind, part]]) };
}

function multiKind(json: Json, problems: ContextProblem[]): Context {
  const kinds = Object.keys(json).filter((k) => k !== 'kind');
  if (kinds.length === 0)
    problems.push({ pointer: '', message: 'A multi-kind context must contain at least one kind' });
  const byKind = new Map<string, ContextOfKind>();
  for (const kind of kinds) {
    const pointer = `/${escapePointer(kind)}`;
    const problem = kindProblem(kind, pointer);
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    const part = json[kind];
    if (!isObject(part)) {
      problems.push({ pointer, message: 'Each kind of a multi-kind context must be an object' });
      continue;
    }
    byKind.set(kind, singleKind(kind, part, pointer, problems));
  }
  // A multi-kind context with one kind is that single-kind context, as the SDKs treat it.
  const only = kinds.length === 1 ? byKind.get(kinds[0] ?? '') : undefined;
  if (only !== undefined) return single({ ...only, attributes: { ...only.attributes, kind: only.kind } });
  return { multi: true, kinds, byKind };
}

export function parseContext(json: unknown): ParsedContext {
  const problems: ContextProblem[] = [];
  if (!isObject(json))
    return { ok: false, problems: [{ pointer: '', message: 'A context must be a JSON object' }] };
  const kind = json.kind;
  let context: Context;
  if (kind === undefined || kind === null) {
    context = single(legacyUser(json, problems));
  } else if (typeof kind !== 'string') {
    return { ok: false, problems: [{ pointer: '/kind', message: '"kind" must be a string' }] };
  } else if (kind === 'multi') {
    context = multiKind(json, problems);
  } else {
    const problem = kindProblem(kind, '/kind');
    if (problem !== undefined) problems.push(problem);
    context = single(singleKind(kind, json, '', problems));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, context };
}

export function contextKey(context: Context, kind: string = userKind): string | undefined {
  return context.byKind.get(kind)?.key;
}

/**
 * The value a rule sees: the `kind` reference yields every kind of the context; `anonymous`
 * is always a boolean; a missing kind or attribute is undefined.
 */
export function contextValue(context: Context, kind: string | undefined, ref: AttributeReference): unknown {
  if (isKindReference(ref)) return context.kinds;
  const part = context.byKind.get(kind ?? userKind);
  if (part === undefined || !ref.valid) return undefined;
  if (ref.components.length === 1 && ref.components[0] === 'anonymous') return part.anonymous;
  return readReference(part.attributes, ref);
}

/** Reads an attribute by plain name (`email`) or by reference (`/address/city`, `~0`, `~1`). */
export function contextAttribute(context: Context, kind: string, nameOrReference: string): unknown {
  return contextValue(context, kind, attributeReference(nameOrReference));
}
