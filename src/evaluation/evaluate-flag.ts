import type { SdkFlag, SdkRollout, SdkVariationOrRollout } from '../features/sdk/sdk-model.js';
import { type AttributeReference, attributeReference } from './attribute-reference.js';
import { bucketContext } from './bucketing.js';
import { type Context, contextKey, userKind } from './context.js';
import { type EvaluationData, matchAllClauses } from './match-clause.js';

export type { EvaluationData } from './match-clause.js';

/**
 * Evaluates a flag for a context exactly as LaunchDarkly's server-side SDKs do: off → prerequisites
 * → targets → rules → fallthrough. Pure: flags and segments come from `data`.
 */
export type EvaluationErrorKind = 'MALFORMED_FLAG';

export type EvaluationReason =
  | { readonly kind: 'OFF' }
  | { readonly kind: 'FALLTHROUGH'; readonly inExperiment?: true }
  | { readonly kind: 'TARGET_MATCH' }
  | {
      readonly kind: 'RULE_MATCH';
      readonly ruleIndex: number;
      readonly ruleId: string;
      readonly inExperiment?: true;
    }
  | { readonly kind: 'PREREQUISITE_FAILED'; readonly prerequisiteKey: string }
  | { readonly kind: 'ERROR'; readonly errorKind: EvaluationErrorKind };

export interface EvaluationResult {
  readonly value: unknown;
  readonly variationIndex: number | undefined;
  readonly reason: EvaluationReason;
  /** Keys of the prerequisites evaluated directly for this flag, in order (for evaluation events). */
  readonly prerequisites?: readonly string[];
}

type Result = Omit<EvaluationResult, 'prerequisites'>;

const malformed: Result = {
  value: null,
  variationIndex: undefined,
  reason: { kind: 'ERROR', errorKind: 'MALFORMED_FLAG' },
};
const off: EvaluationReason = { kind: 'OFF' };
const targetMatch: EvaluationReason = { kind: 'TARGET_MATCH' };

function variation(flag: SdkFlag, index: unknown, reason: EvaluationReason): Result {
  if (typeof index !== 'number' || index < 0 || index >= flag.variations.length) return malformed;
  return { value: flag.variations[index], variationIndex: index, reason };
}

/** No off variation means "serve the application's default", reported as a null value. */
function offValue(flag: SdkFlag, reason: EvaluationReason): Result {
  if (typeof flag.offVariation !== 'number') return { value: null, variationIndex: undefined, reason };
  return variation(flag, flag.offVariation, reason);
}

function hit(context: Context, kind: string | undefined, values: readonly string[] | undefined): boolean {
  const key = contextKey(context, kind || userKind);
  return key !== undefined && (values ?? []).includes(key);
}

function targetResult(flag: SdkFlag, context: Context): Result | undefined {
  const contextTargets = flag.contextTargets ?? [];
  if (contextTargets.length === 0) {
    const target = (flag.targets ?? []).find((t) => hit(context, userKind, t.values));
    return target === undefined ? undefined : variation(flag, target.variation, targetMatch);
  }
  // contextTargets gives the order; a user entry there is a placeholder for `targets` of its variation.
  for (const target of contextTargets) {
    const kind = target.contextKind || userKind;
    const values =
      kind === userKind
        ? (flag.targets ?? []).find((t) => t.variation === target.variation)?.values
        : target.values;
    if (values !== undefined && hit(context, kind, values))
      return variation(flag, target.variation, targetMatch);
  }
  return undefined;
}

const rolloutReferences = new WeakMap<SdkRollout, AttributeReference>();
const keyReference = attributeReference('key');

function bucketBy(rollout: SdkRollout): AttributeReference {
  // Experiments always bucket by key so that results stay comparable.
  if (rollout.kind === 'experiment' || rollout.bucketBy === undefined || rollout.bucketBy === '')
    return keyReference;
  let ref = rolloutReferences.get(rollout);
  if (ref === undefined) {
    ref = attributeReference(
      rollout.bucketBy,
      rollout.contextKind === undefined || rollout.contextKind === '',
    );
    rolloutReferences.set(rollout, ref);
  }
  return ref;
}

type ServedReason = Extract<EvaluationReason, { kind: 'FALLTHROUGH' | 'RULE_MATCH' }>;
const fallthrough: ServedReason = { kind: 'FALLTHROUGH' };

function serve(
  flag: SdkFlag,
  served: SdkVariationOrRollout | undefined,
  context: Context,
  reason: ServedReason,
): Result {
  if (served === undefined) return malformed;
  if (served.variation !== undefined && served.variation !== null)
    return variation(flag, served.variation, reason);
  const rollout = served.rollout;
  const weighted = rollout?.variations ?? [];
  if (rollout === undefined || weighted.length === 0) return malformed;
  const by = bucketBy(rollout);
  if (!by.valid) return malformed;
  const experiment = rollout.kind === 'experiment';
  const { bucket, hadContext } = bucketContext(
    context,
    flag.key,
    by,
    flag.salt ?? '',
    rollout.contextKind || undefined,
    rollout.seed,
  );
  let sum = 0;
  for (const w of weighted) {
    sum += w.weight / 100_000;
    if (bucket < sum) {
      return variation(
        flag,
        w.variation,
        experiment && hadContext && !w.untracked ? { ...reason, inExperiment: true } : reason,
      );
    }
  }
  // Weights that add up to less than 100% leave the remainder to the last variation.
  const last = weighted[weighted.length - 1];
  if (last === undefined) return malformed;
  return variation(
    flag,
    last.variation,
    experiment && !last.untracked ? { ...reason, inExperiment: true } : reason,
  );
}

function evaluate(
  flag: SdkFlag,
  context: Context,
  data: EvaluationData,
  visited: readonly string[],
  evaluated: string[] | undefined,
): Result {
  if (!flag.on) return offValue(flag, off);

  // The official Node SDK notes a prerequisite cycle and still checks the remaining prerequisites:
  // a later failing one is reported instead of the cycle. Kept so that both give the same answer.
  let cycle = false;
  for (const prerequisite of flag.prerequisites ?? []) {
    // A prerequisite chain that comes back to a flag on it would never end.
    if (visited.includes(prerequisite.key)) {
      cycle = true;
      continue;
    }
    const prerequisiteFlag = data.flag(prerequisite.key);
    const failed = offValue(flag, { kind: 'PREREQUISITE_FAILED', prerequisiteKey: prerequisite.key });
    if (prerequisiteFlag === undefined || prerequisiteFlag.deleted) return failed;
    const result = evaluate(prerequisiteFlag, context, data, [...visited, prerequisite.key], undefined);
    evaluated?.push(prerequisiteFlag.key);
    if (result.reason.kind === 'ERROR') return result;
    if (result.reason.kind === 'OFF' || result.variationIndex !== prerequisite.variation) return failed;
  }
  if (cycle) return malformed;

  const targeted = targetResult(flag, context);
  if (targeted !== undefined) return targeted;

  const rules = flag.rules ?? [];
  for (let ruleIndex = 0; ruleIndex < rules.length; ruleIndex += 1) {
    const rule = rules[ruleIndex];
    if (rule === undefined) continue;
    const matched = matchAllClauses(rule.clauses, context, data, []);
    if (matched === 'malformed') return malformed;
    if (matched) return serve(flag, rule, context, { kind: 'RULE_MATCH', ruleIndex, ruleId: rule.id });
  }

  return serve(flag, flag.fallthrough, context, fallthrough);
}

export function evaluateFlag(flag: SdkFlag, context: Context, data: EvaluationData): EvaluationResult {
  const evaluated: string[] = [];
  const result = evaluate(flag, context, data, [], evaluated);
  return evaluated.length > 0 ? { ...result, prerequisites: evaluated } : result;
}
