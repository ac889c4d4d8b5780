import type { Statement } from './policy-statement.js';
import { type ParsedSpecifier, parseSpecifier, type SegmentSpecifier } from './resource-specifier.js';

/**
 * Whether a policy grants nothing that another does not: for every (action, resource), allowed
 * by `narrow` implies allowed by `wide`. This is what "a credential may not have more rights than
 * the one creating it" needs, for built-in roles, custom roles and inline policies alike.
 *
 * Exact containment of glob policies with `notResources`, `notActions` and deny statements is
 * costly to decide; this answers a sound approximation. `true` is a proof: every allow statement
 * of `narrow` is covered by one allow statement of `wide`, and every deny of `wide` that could
 * touch what `narrow` allows is covered by a deny of `narrow`. `false` means "not proven", which
 * refuses some grants that are in fact within (a union of several statements covering one is not
 * seen), never accepts one that is not. A policy is always within itself, a built-in role within
 * every higher one, and anything within `*` on `*`: the cases people meet.
 */
export function policyWithin(narrow: readonly Statement[], wide: readonly Statement[]): boolean {
  const narrowAllows = narrow.filter((s) => s.effect === 'allow').map(parseStatement);
  if (narrowAllows.length === 0) return true;
  const narrowDenies = narrow.filter((s) => s.effect === 'deny').map(parseStatement);
  const wideAllows = wide.filter((s) => s.effect === 'allow').map(parseStatement);
  const wideDenies = wide.filter((s) => s.effect === 'deny').map(parseStatement);
  for (const allow of narrowAllows) {
    if (!wideAllows.some((candidate) => statementWithin(allow, candidate))) return false;
  }
  for (const deny of wideDenies) {
    if (narrowAllows.every((allow) => statementsDisjoint(allow, deny))) continue;
    if (!narrowDenies.some((candidate) => statementWithin(deny, candidate))) return false;
  }
  return true;
}

/** Every layer of `wide` contains some layer of `narrow`: then the meet of `narrow` is within `wide`'s. */
export function layersWithin(
  narrow: readonly (readonly Statement[])[],
  wide: readonly (readonly Statement[])[],
): boolean {
  return wide.every((w) => narrow.some((n) => policyWithin(n, w)));
}

interface Side<T> {
  readonly items: readonly T[];
  /** `notActions` / `notResources`: the side matches what none of `items` matches. */
  readonly negated: boolean;
}

interface ParsedStatement {
  readonly actions: Side<string>;
  readonly resources: Side<ParsedSpecifier>;
}

function parseStatement(statement: Statement): ParsedStatement {
  const specs = (statement.resources ?? statement.notResources ?? []).map((text) => {
    const parsed = parseSpecifier(text);
    if (!parsed.ok) throw new Error(`policyWithin: invalid resource "${text}"; validate the policy first`);
    return parsed.specifier;
  });
  return {
    actions: {
      items: statement.actions ?? statement.notActions ?? [],
      negated: statement.actions === undefined,
    },
    resources: { items: specs, negated: statement.resources === undefined },
  };
}

/** Whether `s` applies only where `t` applies. */
function statementWithin(s: ParsedStatement, t: ParsedStatement): boolean {
  return (
    sideWithin(s.actions, t.actions, globWithin, actionsDisjoint, (g) => g === '*') &&
    sideWithin(s.resources, t.resources, specWithin, specsDisjoint, (r) => r.kind === 'everything')
  );
}

function sideWithin<T>(
  s: Side<T>,
  t: Side<T>,
  within: (a: T, b: T) => boolean,
  disjoint: (a: T, b: T) => boolean,
  isEverything: (item: T) => boolean,
): boolean {
  if (!t.negated && t.items.some(isEverything)) return true;
  if (!s.negated && !t.negated) return s.items.every((a) => t.items.some((b) => within(a, b)));
  if (!s.negated && t.negated) return s.items.every((a) => t.items.every((b) => disjoint(a, b)));
  // s excludes at least what t excludes.
  if (s.negated && t.negated) return t.items.every((b) => s.items.some((a) => within(b, a)));
  return false;
}

/** Whether no (action, resource) can match both statements; `false` when unsure. */
function statementsDisjoint(a: ParsedStatement, b: ParsedStatement): boolean {
  const sidesDisjoint = <T>(x: Side<T>, y: Side<T>, disjoint: (p: T, q: T) => boolean) =>
    !x.negated && !y.negated && x.items.every((p) => y.items.every((q) => disjoint(p, q)));
  return (
    sidesDisjoint(a.actions, b.actions, actionsDisjoint) ||
    sidesDisjoint(a.resources, b.resources, specsDisjoint)
  );
}

/** Every resource `a` matches, `b` matches: same shape, key globs within, and `b`'s tags implied. */
function specWithin(a: ParsedSpecifier, b: ParsedSpecifier): boolean {
  if (b.kind === 'everything') return true;
  if (a.kind === 'everything') return false;
  if (a.segments.length !== b.segments.length) return false;
  return a.segments.every((sa, i) => {
    const sb = b.segments[i] as SegmentSpecifier;
    return (
      sa.type === sb.type &&
      globWithin(sa.keyGlob, sb.keyGlob) &&
      // A resource matched by `a` has a tag matching each of a's tag globs.
      sb.tagGlobs.every((gb) => sa.tagGlobs.some((ga) => globWithin(ga, gb)))
    );
  });
}

function specsDisjoint(a: ParsedSpecifier, b: ParsedSpecifier): boolean {
  if (a.kind === 'everything' || b.kind === 'everything') return false;
  if (a.segments.length !== b.segments.length) return true;
  return a.segments.some((sa, i) => {
    const sb = b.segments[i] as SegmentSpecifier;
    if (sa.type !== sb.type) return true;
    // A member answers to its id and its email, so two different member keys may be one member.
    return sa.type !== 'member' && globsDisjoint(sa.keyGlob, sb.keyGlob);
  });
}

function actionsDisjoint(a: string, b: string): boolean {
  return globsDisjoint(a, b);
}

/** Whether no string matches both globs; `false` when unsure. */
function globsDisjoint(a: string, b: string): boolean {
  const [headA, tailA] = ends(a);
  const [headB, tailB] = ends(b);
  // Two strings sharing a prefix (and a suffix) must agree on the shorter of the literal ends.
  if (!headA.startsWith(headB) && !headB.startsWith(headA)) return true;
  if (!tailA.endsWith(tailB) && !tailB.endsWith(tailA)) return true;
  if (!a.includes('*')) return !globMatches(b, a);
  if (!b.includes('*')) return !globMatches(a, b);
  return false;
}

/** The literal text before the first star and after the last (the whole text when starless). */
function ends(glob: string): [string, string] {
  const first = glob.indexOf('*');
  if (first < 0) return [glob, glob];
  return [glob.slice(0, first), glob.slice(glob.lastIndexOf('*') + 1)];
}

/** A starless text is within a glob exactly when the glob matches it. */
function globMatches(glob: string, text: string): boolean {
  return globWithin(text, glob);
}

/**
 * Every string `a` matches, `b` matches. `b` is matched against `a` read as a word in which
 * each `*` of `a` is a symbol only a `*` of `b` can absorb: if `b` matches that word, any string
 * made by filling `a`'s stars is matched by filling `b`'s stars the same way.
 */
export function globWithin(a: string, b: string): boolean {
  // reach[j]: b[0..i) matches a[0..j).
  let reach: boolean[] = new Array<boolean>(a.length + 1).fill(false);
  reach[0] = true;
  for (let i = 0; i < b.length; i++) {
    const next = new Array<boolean>(a.length + 1).fill(false);
    if (b[i] === '*') {
      let seen = false;
      for (let j = 0; j <= a.length; j++) {
        seen = seen || (reach[j] as boolean);
        next[j] = seen;
      }
    } else {
      for (let j = 0; j < a.length; j++) next[j + 1] = (reach[j] as boolean) && a[j] !== '*' && a[j] === b[i];
    }
    reach = next;
  }
  return reach[a.length] as boolean;
}
