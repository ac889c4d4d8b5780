import type { FieldProblem } from '../../errors/app-errors.js';
import type { FlagDoc, FlagEnvironmentDoc, Rollout, VariationOrRollout } from './flag-model.js';

export interface FlagContext {
  readonly key: string;
  /** Keys of the project's environments: a flag has a configuration for each, no more, no less. */
  readonly environmentKeys: readonly string[];
  /** Variation counts of the other flags in the project, for prerequisites. */
  readonly otherFlags: ReadonlyMap<string, number>;
}

const fullWeight = 100_000;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** LaunchDarkly's context kinds: `[A-Za-z0-9._-]+`, and never `kind` or `multi`. */
export function isContextKind(kind: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(kind) && kind !== 'kind' && kind !== 'multi';
}

function checkKind(problems: FieldProblem[], pointer: string, kind: string | undefined): void {
  if (kind !== undefined && !isContextKind(kind))
    problems.push({
      pointer,
      message: 'must be a context kind: letters, digits, ".", "_" or "-", and not "kind" or "multi"',
    });
}

function checkIndex(problems: FieldProblem[], pointer: string, index: number, count: number): void {
  if (index >= count)
    problems.push({ pointer, message: `variation ${index} does not exist (the flag has ${count})` });
}

function checkRollout(problems: FieldProblem[], pointer: string, rollout: Rollout, count: number): void {
  checkKind(problems, `${pointer}/contextKind`, rollout.contextKind);
  if (rollout.bucketBy === '')
    problems.push({ pointer: `${pointer}/bucketBy`, message: 'must name an attribute' });
  let total = 0;
  const seen = new Set<number>();
  rollout.variations.forEach((v, i) => {
    checkIndex(problems, `${pointer}/variations/${i}/variation`, v.variation, count);
    if (seen.has(v.variation))
      problems.push({
        pointer: `${pointer}/variations/${i}/variation`,
        message: 'appears twice in the rollout',
      });
    seen.add(v.variation);
    total += v.weight;
  });
  if (total !== fullWeight) {
    problems.push({
      pointer: `${pointer}/variations`,
      message: `weights must add up to ${fullWeight} (100%), got ${total}`,
    });
  }
}

function checkServe(
  problems: FieldProblem[],
  pointer: string,
  serve: VariationOrRollout,
  count: number,
): void {
  const hasVariation = serve.variation !== undefined;
  const hasRollout = serve.rollout !== undefined;
  if (hasVariation === hasRollout) {
    problems.push({ pointer, message: 'needs exactly one of variation or rollout' });
    return;
  }
  if (serve.variation !== undefined) checkIndex(problems, `${pointer}/variation`, serve.variation, count);
  if (serve.rollout !== undefined) checkRollout(problems, `${pointer}/rollout`, serve.rollout, count);
}

function checkEnvironment(
  problems: FieldProblem[],
  pointer: string,
  env: FlagEnvironmentDoc,
  count: number,
  context: FlagContext,
): void {
  checkIndex(problems, `${pointer}/offVariation`, env.offVariation, count);
  checkServe(problems, `${pointer}/fallthrough`, env.fallthrough, count);

  const targeted = new Map<string, number>();
  env.targets.forEach((target, t) => {
    checkIndex(problems, `${pointer}/targets/${t}/variation`, target.variation, count);
    checkKind(problems, `${pointer}/targets/${t}/contextKind`, target.contextKind);
    target.values.forEach((value, v) => {
      const other = targeted.get(`${target.contextKind ?? 'user'}\u0000${value}`);
      if (other !== undefined && other !== t) {
        problems.push({
          pointer: `${pointer}/targets/${t}/values/${v}`,
          message: `"${value}" is already targeted by another variation`,
        });
      }
      targeted.set(`${target.contextKind ?? 'user'}\u0000${value}`, t);
    });
  });

  const ruleIds = new Set<string>();
  env.rules.forEach((rule, r) => {
    if (ruleIds.has(rule._id))
      problems.push({ pointer: `${pointer}/rules/${r}/_id`, message: 'duplicate rule id' });
    ruleIds.add(rule._id);
    checkServe(problems, `${pointer}/rules/${r}`, rule, count);
    rule.clauses.forEach((clause, c) => {
      checkKind(problems, `${pointer}/rules/${r}/clauses/${c}/contextKind`, clause.contextKind);
      if (clause.values.length === 0) {
        problems.push({
          pointer: `${pointer}/rules/${r}/clauses/${c}/values`,
          message: 'needs at least one value',
        });
      }
    });
  });

  const prereqs = new Set<string>();
  env.prerequisites.forEach((p, i) => {
    const at = `${pointer}/prerequisites/${i}`;
    if (p.key === context.key)
      problems.push({ pointer: `${at}/key`, message: 'a flag cannot be its own prerequisite' });
    else if (!context.otherFlags.has(p.key))
      problems.push({ pointer: `${at}/key`, message: `no flag "${p.key}" in this project` });
    else checkIndex(problems, `${at}/variation`, p.variation, context.otherFlags.get(p.key) ?? 0);
    if (prereqs.has(p.key)) problems.push({ pointer: `${at}/key`, message: 'listed twice' });
    prereqs.add(p.key);
  });
}

/**
 * The rules a schema cannot express: indices within range, rollouts that add up, one
 * configuration per environment of the project. Returns every problem with its pointer.
 */
export function validateFlag(flag: FlagDoc, context: FlagContext): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const count = flag.variations.length;
  const values = flag.variations.map((v) => JSON.stringify(v.value));

  if (flag.kind === 'boolean') {
    const ok =
      count === 2 && flag.variations.every((v) => typeof v.value === 'boolean') && values[0] !== values[1];
    if (!ok)
      problems.push({
        pointer: '/variations',
        message: 'a boolean flag has exactly two variations, true and false',
      });
  } else {
    const firstType = typeOf(flag.variations[0]?.value);
    flag.variations.forEach((v, i) => {
      const t = typeOf(v.value);
      if (t === 'null' || t === 'undefined')
        problems.push({ pointer: `/variations/${i}/value`, message: 'is required' });
      else if (t !== firstType) {
        problems.push({
          pointer: `/variations/${i}/value`,
          message: `must be a ${firstType} like the first variation`,
        });
      }
      if (values.indexOf(values[i] ?? '') !== i)
        problems.push({ pointer: `/variations/${i}/value`, message: 'duplicates another variation' });
    });
  }
  checkIndex(problems, '/defaults/onVariation', flag.defaults.onVariation, count);
  checkIndex(problems, '/defaults/offVariation', flag.defaults.offVariation, count);

  const expected = new Set(context.environmentKeys);
  for (const key of Object.keys(flag.environments)) {
    if (!expected.has(key))
      problems.push({ pointer: `/environments/${key}`, message: `no environment "${key}" in this project` });
  }
  for (const key of context.environmentKeys) {
    const env = flag.environments[key];
    if (env === undefined) problems.push({ pointer: `/environments/${key}`, message: 'is required' });
    else checkEnvironment(problems, `/environments/${key}`, env, count, context);
  }
  return problems;
}
