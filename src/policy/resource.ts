import { ACCOUNT_TYPE, checkNesting } from './resource-types.js';

/**
 * One level of a concrete resource, with the tags it had at the time of the change (matching must
 * see those, not today's). `aliases` lets one segment answer to several keys: a member is
 * `{type: 'member', key: id, aliases: [email]}` because `member/ID-or-email` matches either.
 */
export interface ResourceSegment {
  readonly type: string;
  readonly key: string;
  readonly tags: readonly string[];
  readonly aliases?: readonly string[];
}

/** A concrete resource, outermost segment first: project, environment, flag. */
export type TaggedResource = readonly ResourceSegment[];

/** One access an audit entry records; the audit log stores these with their tags. */
export interface TaggedAccess {
  readonly action: string;
  readonly resource: TaggedResource;
}

/** The tag-less form shown in audit entries and the API: `proj/default:env/production:flag/x`. */
export function formatResource(resource: TaggedResource): string {
  if (resource.length === 1 && resource[0]!.type === ACCOUNT_TYPE) return ACCOUNT_TYPE;
  return resource.map((segment) => `${segment.type}/${segment.key}`).join(':');
}

/**
 * Parses a concrete resource with tags, `proj/a;t1,t2:env/b:flag/c` or `acct`, for tests and
 * tooling. Throws on anything that is not a well-formed resource of a known type path.
 */
export function parseTaggedResource(text: string): TaggedResource {
  if (text === ACCOUNT_TYPE) return [{ type: ACCOUNT_TYPE, key: '', tags: [] }];
  const fail = (reason: string): never => {
    throw new Error(`invalid resource "${text}": ${reason}`);
  };
  const segments = text.split(':').map((raw): ResourceSegment => {
    const slash = raw.indexOf('/');
    if (slash <= 0) return fail(`segment "${raw}" is not TYPE/KEY`);
    const semi = raw.indexOf(';', slash);
    const key = raw.slice(slash + 1, semi < 0 ? undefined : semi);
    if (key === '' || key.includes('*')) return fail(`segment "${raw}" needs a concrete key`);
    const tags = semi < 0 ? [] : raw.slice(semi + 1).split(',');
    if (tags.some((tag) => tag === '' || tag.includes(';'))) return fail(`bad tag list in "${raw}"`);
    return { type: raw.slice(0, slash), key, tags };
  });
  const nestingError = checkNesting(segments.map((segment) => segment.type));
  if (nestingError !== undefined) fail(nestingError);
  return segments;
}
