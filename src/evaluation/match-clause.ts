import type { SdkClause, SdkFlag, SdkSegment, SdkSegmentRule } from '../features/sdk/sdk-model.js';
import { type AttributeReference, attributeReference } from './attribute-reference.js';
import { bucketContext } from './bucketing.js';
import { type Context, contextKey, contextValue, userKind } from './context.js';
import { clauseTest } from './operators.js';

/** Where an evaluation finds the other flags and segments it refers to. */
export interface EvaluationData {
  flag(key: string): SdkFlag | undefined;
  segment(key: string): SdkSegment | undefined;
}

/** `malformed`: the data cannot be evaluated (a bad reference, a segment that includes itself). */
export type Match = boolean | 'malformed';

interface CompiledClause {
  readonly clause: SdkClause;
  readonly ref: AttributeReference;
  readonly test: (value: unknown) => boolean;
}

// Flag data is immutable once loaded, so each rule's clauses are compiled once, not per
// evaluation: references parsed, dates, versions and patterns in the values parsed. Keyed by the
// rule's clause list, so an evaluation does one lookup per rule.
const compiledLists = new WeakMap<readonly SdkClause[], readonly CompiledClause[]>();

function compile(clause: SdkClause): CompiledClause {
  return {
    clause,
    // Clauses without a context kind predate references and name their attribute literally.
    ref: attributeReference(
      clause.attribute ?? '',
      clause.contextKind === undefined || clause.contextKind === '',
    ),
    test: clauseTest(clause.op, clause.values ?? []),
  };
}

function compiledList(clauses: readonly SdkClause[]): readonly CompiledClause[] {
  let compiled = compiledLists.get(clauses);
  if (compiled === undefined) {
    compiled = clauses.map(compile);
    compiledLists.set(clauses, compiled);
  }
  return compiled;
}

function matchAttribute({ clause, ref, test }: CompiledClause, context: Context): Match {
  if (!ref.valid) return 'malformed';
  const value = contextValue(context, clause.contextKind || undefined, ref);
  // A missing attribute is a non-match even when negated.
  if (value === null || value === undefined) return false;
  const matched = Array.isArray(value) ? value.some(test) : test(value);
  return clause.negate ? !matched : matched;
}

function matchSegmentClause(
  clause: SdkClause,
  context: Context,
  data: EvaluationData,
  visited: readonly string[],
): Match {
  let matched = false;
  for (const key of clause.values ?? []) {
    const segment = typeof key === 'string' ? data.segment(key) : undefined;
    if (segment === undefined || segment.deleted) continue;
    // A segment reached again through its own rules would never finish.
    if (visited.includes(segment.key)) return 'malformed';
    const result = matchSegment(segment, context, data, [...visited, segment.key]);
    if (result === 'malformed') return result;
    if (result) {
      matched = true;
      break;
    }
  }
  return clause.negate ? !matched : matched;
}

function matchClause(
  compiled: CompiledClause,
  context: Context,
  data: EvaluationData,
  visited: readonly string[],
): Match {
  if (compiled.clause.op === 'segmentMatch')
    return matchSegmentClause(compiled.clause, context, data, visited);
  return matchAttribute(compiled, context);
}

/**
 * Every clause must match. The official Node SDK keeps going after a clause that cannot be
 * evaluated and reports the error only when no later clause decides the outcome (the last
 * clause evaluated was the erroneous one); this follows it so that both give the same answer.
 */
export function matchAllClauses(
  clauses: readonly SdkClause[] | undefined,
  context: Context,
  data: EvaluationData,
  visited: readonly string[],
): Match {
  if (clauses === undefined) return false;
  let last: Match = true;
  for (const compiled of compiledList(clauses)) {
    last = matchClause(compiled, context, data, visited);
    if (last === false) return false;
  }
  return last;
}

function targetHit(
  context: Context,
  kind: string | undefined,
  values: readonly string[] | undefined,
): boolean {
  const key = contextKey(context, kind ?? userKind);
  // An empty key (possible for old-style users) is never in a segment's lists.
  return key !== undefined && key !== '' && (values ?? []).includes(key);
}

function inTargets(
  context: Context,
  contextTargets: SdkSegment['includedContexts'] | undefined,
  userKeys: readonly string[] | undefined,
): boolean {
  if ((contextTargets ?? []).some((t) => targetHit(context, t.contextKind, t.values))) return true;
  return targetHit(context, userKind, userKeys);
}

const ruleBucketReferences = new WeakMap<SdkSegmentRule, AttributeReference>();
const keyReference = attributeReference('key');

function ruleBucketBy(rule: SdkSegmentRule): AttributeReference {
  if (rule.bucketBy === undefined || rule.bucketBy === '') return keyReference;
  let ref = ruleBucketReferences.get(rule);
  if (ref === undefined) {
    ref = attributeReference(
      rule.bucketBy,
      rule.rolloutContextKind === undefined || rule.rolloutContextKind === '',
    );
    ruleBucketReferences.set(rule, ref);
  }
  return ref;
}

function matchSegmentRule(
  segment: SdkSegment,
  rule: SdkSegmentRule,
  context: Context,
  data: EvaluationData,
  visited: readonly string[],
): Match {
  const matched = matchAllClauses(rule.clauses, context, data, visited);
  if (matched !== true) return matched;
  if (rule.weight === undefined || rule.weight === null) return true;
  const by = ruleBucketBy(rule);
  if (!by.valid) return 'malformed';
  const { bucket } = bucketContext(
    context,
    segment.key,
    by,
    segment.salt ?? '',
    rule.rolloutContextKind || undefined,
    undefined,
  );
  return bucket < rule.weight / 100_000;
}

/** Included wins over excluded; then the rules, in order. */
export function matchSegment(
  segment: SdkSegment,
  context: Context,
  data: EvaluationData,
  visited: readonly string[],
): Match {
  if (inTargets(context, segment.includedContexts, segment.included)) return true;
  if (inTargets(context, segment.excludedContexts, segment.excluded)) return false;
  for (const rule of segment.rules ?? []) {
    const result = matchSegmentRule(segment, rule, context, data, visited);
    if (result !== false) return result;
  }
  return false;
}
