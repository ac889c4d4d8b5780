import { ACCOUNT_TYPE, checkNesting, describeUnknownType, RESOURCE_TYPE_PARENTS } from './resource-types.js';

/** One segment of a specifier as written: `type/keyGlob;tagGlob,tagGlob`. */
export interface SegmentSpecifier {
  readonly type: string;
  readonly keyGlob: string;
  /** Empty when the segment has no `;` part, i.e. no constraint on tags. */
  readonly tagGlobs: readonly string[];
}

/** A parsed specifier: the bare `*`, or segments (`acct` is one segment with an empty key). */
export type ParsedSpecifier =
  | { readonly kind: 'everything' }
  | { readonly kind: 'segments'; readonly segments: readonly SegmentSpecifier[] };

export type SpecifierParse =
  | { readonly ok: true; readonly specifier: ParsedSpecifier }
  | { readonly ok: false; readonly message: string };

/**
 * Parses `"acct" | "*" | segment (":" segment)*` with `segment := type "/" keyGlob [";" tags]`.
 * Commas are only special inside the tag list, so `proj/a,b` is the key glob `a,b`.
 */
export function parseSpecifier(text: string): SpecifierParse {
  if (text === '') return failure('empty resource specifier');
  if (text === '*') return { ok: true, specifier: { kind: 'everything' } };
  if (text === ACCOUNT_TYPE) {
    return {
      ok: true,
      specifier: { kind: 'segments', segments: [{ type: ACCOUNT_TYPE, keyGlob: '', tagGlobs: [] }] },
    };
  }
  const segments: SegmentSpecifier[] = [];
  for (const raw of text.split(':')) {
    const parsed = parseSegment(raw, text);
    if (typeof parsed === 'string') return failure(parsed);
    segments.push(parsed);
  }
  const nestingError = checkNesting(segments.map((segment) => segment.type));
  return nestingError === undefined
    ? { ok: true, specifier: { kind: 'segments', segments } }
    : failure(nestingError);
}

function parseSegment(raw: string, whole: string): SegmentSpecifier | string {
  if (raw === '') return `empty segment in "${whole}" (stray ":"?)`;
  if (raw === '*') return `"*" matches every resource only on its own; write TYPE/* to match any key`;
  if (raw === ACCOUNT_TYPE) return `"acct" stands alone and cannot be combined with other segments`;
  const slash = raw.indexOf('/');
  const semi = raw.indexOf(';');
  if (slash < 0 || (semi >= 0 && semi < slash)) {
    const type = semi < 0 ? raw : raw.slice(0, semi);
    return RESOURCE_TYPE_PARENTS.has(type)
      ? `"${type}" needs a key: ${type}/KEY (use ${type}/* for any key)`
      : describeUnknownType(type);
  }
  const type = raw.slice(0, slash);
  if (type === '') return `missing resource type before "/" in "${raw}"`;
  if (!RESOURCE_TYPE_PARENTS.has(type)) {
    return type === ACCOUNT_TYPE ? `"acct" takes no key; write acct` : describeUnknownType(type);
  }
  const keyGlob = raw.slice(slash + 1, semi < 0 ? undefined : semi);
  if (keyGlob === '') return `empty key in "${raw}" (use ${type}/* to match any key)`;
  if (semi < 0) return { type, keyGlob, tagGlobs: [] };
  const tagList = raw.slice(semi + 1);
  if (tagList === '') return `empty tag list after ";" in "${raw}"`;
  if (tagList.includes(';')) return `more than one ";" in "${raw}"; separate tags with commas: ;tag1,tag2`;
  const tagGlobs = tagList.split(',');
  if (tagGlobs.includes('')) return `empty tag in tag list "${tagList}" of "${raw}"`;
  return { type, keyGlob, tagGlobs };
}

const failure = (message: string): SpecifierParse => ({ ok: false, message });
