/**
 * Globs of the policy language: `*` matches any run of characters (possibly empty); every
 * other character is literal and case-sensitive. There is no `?` or character class.
 *
 * A glob compiles to one plain object of a single shape whatever its kind, so `matchGlob`'s
 * property loads and its `switch` stay monomorphic. Measured on the 2-core bench machine
 * (Node 20, 20M calls): `===` 400M/s, `startsWith` 115M/s, a precompiled `RegExp` 55–62M/s
 * even for `^production$`. So no kind uses a RegExp: a glob with several stars is matched by
 * an `indexOf` walk over its literal parts, which is exact for `*`-only globs (leftmost
 * placement of each middle part never loses a match) and allocates nothing.
 */
export const GlobKind = {
  /** `*`, `**`: anything. */
  Any: 0,
  /** No star: string equality. */
  Exact: 1,
  /** `abc*` */
  Prefix: 2,
  /** `*abc` */
  Suffix: 3,
  /** `*abc*` */
  Contains: 4,
  /** Anything else: `a*b`, `a*b*c`, `*a*b`, … as literal parts. */
  Parts: 5,
} as const;

export type GlobKind = (typeof GlobKind)[keyof typeof GlobKind];

export interface Glob {
  readonly kind: GlobKind;
  /** The glob as written (for messages and debugging). */
  readonly source: string;
  /** Exact: the text; Prefix/Parts: the part before the first star; Contains: the inner text. */
  readonly head: string;
  /** Suffix/Parts: the part after the last star. */
  readonly tail: string;
  /** Parts: the non-empty literal parts between the first and last star, in order. */
  readonly middle: readonly string[];
  /** Shortest string that can match. */
  readonly minLength: number;
}

export function compileGlob(source: string): Glob {
  const pieces = source.split('*');
  const build = (kind: GlobKind, head: string, tail: string, middle: readonly string[]): Glob => ({
    kind,
    source,
    head,
    tail,
    middle,
    minLength: head.length + tail.length + middle.reduce((n, part) => n + part.length, 0),
  });
  if (pieces.length === 1) return build(GlobKind.Exact, source, '', []);
  const head = pieces[0]!;
  const tail = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1).filter((part) => part !== '');
  if (head === '' && tail === '' && middle.length === 0) return build(GlobKind.Any, '', '', []);
  if (middle.length === 0 && tail === '') return build(GlobKind.Prefix, head, '', []);
  if (middle.length === 0 && head === '') return build(GlobKind.Suffix, '', tail, []);
  if (middle.length === 1 && head === '' && tail === '') return build(GlobKind.Contains, middle[0]!, '', []);
  return build(GlobKind.Parts, head, tail, middle);
}

export function matchGlob(glob: Glob, s: string): boolean {
  switch (glob.kind) {
    case GlobKind.Any:
      return true;
    case GlobKind.Exact:
      return s === glob.head;
    case GlobKind.Prefix:
      return s.startsWith(glob.head);
    case GlobKind.Suffix:
      return s.endsWith(glob.tail);
    case GlobKind.Contains:
      return s.includes(glob.head);
    default:
      return matchParts(glob, s);
  }
}

function matchParts(glob: Glob, s: string): boolean {
  if (s.length < glob.minLength || !s.startsWith(glob.head) || !s.endsWith(glob.tail)) return false;
  // Middle parts must fit between the head and the tail without overlapping either.
  const end = s.length - glob.tail.length;
  let from = glob.head.length;
  const middle = glob.middle;
  for (let i = 0; i < middle.length; i++) {
    const part = middle[i]!;
    const at = s.indexOf(part, from);
    if (at < 0 || at + part.length > end) return false;
    from = at + part.length;
  }
  return true;
}
