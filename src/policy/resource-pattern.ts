import { compileGlob, type Glob, GlobKind, matchGlob } from './glob.js';
import type { ResourceSegment, TaggedResource } from './resource.js';
import type { ParsedSpecifier } from './resource-specifier.js';

export interface SegmentPattern {
  readonly type: string;
  readonly key: Glob;
  /** Every one of these must match some tag of the segment; empty means no tag constraint. */
  readonly tags: readonly Glob[];
}

/** A compiled resource specifier. `everything` is the bare `*`. */
export interface ResourcePattern {
  readonly everything: boolean;
  readonly segments: readonly SegmentPattern[];
  readonly source: string;
}

export function compileResourcePattern(specifier: ParsedSpecifier, source: string): ResourcePattern {
  if (specifier.kind === 'everything') return { everything: true, segments: [], source };
  const segments = specifier.segments.map(
    (segment): SegmentPattern => ({
      type: segment.type,
      key: compileGlob(segment.keyGlob),
      tags: segment.tagGlobs.map(compileGlob),
    }),
  );
  return { everything: false, segments, source };
}

/** Segment by segment: same depth, same type at each level, key glob and tag globs matching. */
export function matchResource(pattern: ResourcePattern, resource: TaggedResource): boolean {
  if (pattern.everything) return true;
  const segments = pattern.segments;
  if (segments.length !== resource.length) return false;
  for (let i = 0; i < segments.length; i++) {
    const expected = segments[i]!;
    const actual = resource[i]!;
    if (expected.type !== actual.type) return false;
    if (expected.key.kind !== GlobKind.Any && !matchKey(expected.key, actual)) return false;
    if (expected.tags.length !== 0 && !matchTags(expected.tags, actual.tags)) return false;
  }
  return true;
}

/** A key glob matches the segment's key or any of its aliases (a member's email). */
function matchKey(glob: Glob, segment: ResourceSegment): boolean {
  if (matchGlob(glob, segment.key)) return true;
  const aliases = segment.aliases;
  if (aliases === undefined) return false;
  for (let i = 0; i < aliases.length; i++) if (matchGlob(glob, aliases[i]!)) return true;
  return false;
}

function matchTags(globs: readonly Glob[], tags: readonly string[]): boolean {
  for (let g = 0; g < globs.length; g++) {
    const glob = globs[g]!;
    let found = false;
    for (let t = 0; t < tags.length && !found; t++) found = matchGlob(glob, tags[t]!);
    if (!found) return false;
  }
  return true;
}
