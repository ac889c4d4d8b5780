import { ValidationError } from '../../errors/app-errors.js';
import type {
  Clause,
  FlagDoc,
  FlagEnvironmentDoc,
  Prerequisite,
  Rule,
  VariationOrRollout,
} from './flag-model.js';

/** `{"environmentKey", "comment", "instructions": [...]}` with the semantic-patch content type. */
export interface SemanticPatch {
  readonly environmentKey: string | undefined;
  readonly comment: string | undefined;
  readonly instructions: readonly Instruction[];
}

type Instruction = Readonly<Record<string, unknown>> & { readonly kind: string };

export const semanticPatchContentType = /domain-model\s*=\s*launchdarkly\.semanticpatch/i;

export function parseSemanticPatch(body: unknown): SemanticPatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ValidationError.at('/', 'expected {"environmentKey", "comment", "instructions": [...]}');
  }
  const { environmentKey, comment, instructions, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw ValidationError.at(`/${extra}`, 'unknown field');
  if (environmentKey !== undefined && typeof environmentKey !== 'string') {
    throw ValidationError.at('/environmentKey', 'must be a string');
  }
  if (comment !== undefined && typeof comment !== 'string')
    throw ValidationError.at('/comment', 'must be a string');
  if (!Array.isArray(instructions) || instructions.length === 0) {
    throw ValidationError.at('/instructions', 'must be a non-empty array of instructions');
  }
  instructions.forEach((instruction, i) => {
    if (
      typeof instruction !== 'object' ||
      instruction === null ||
      typeof (instruction as Instruction).kind !== 'string'
    ) {
      throw ValidationError.at(`/instructions/${i}/kind`, 'is required');
    }
  });
  return { environmentKey, comment, instructions: instructions as Instruction[] };
}

/** The variation `_id`s of another flag of the project, by key (for prerequisites). */
export type VariationIdsOf = (flagKey: string) => readonly (string | undefined)[] | undefined;

interface Context {
  readonly at: string;
  readonly newId: () => string;
  readonly environmentKey: string | undefined;
  readonly variationIdsOf: VariationIdsOf;
}

function fail(at: string, message: string): never {
  throw ValidationError.at(at, message);
}

function field<T>(
  instruction: Instruction,
  name: string,
  at: string,
  check: (v: unknown) => v is T,
  what: string,
): T {
  const value = instruction[name];
  if (!check(value)) fail(`${at}/${name}`, value === undefined ? `is required (${what})` : `must be ${what}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function variationIndex(flag: FlagDoc, instruction: Instruction, name: string, at: string): number {
  const id = field(instruction, name, at, isString, 'a variation _id');
  const index = flag.variations.findIndex((v) => v._id === id);
  if (index < 0) fail(`${at}/${name}`, `no variation with _id "${id}"`);
  return index;
}

/** `{variationId}` or `{rolloutWeights: {variationId: weight}, rolloutBucketBy?, rolloutContextKind?}`. */
function serve(flag: FlagDoc, instruction: Instruction, at: string): VariationOrRollout {
  if (instruction.variationId !== undefined)
    return { variation: variationIndex(flag, instruction, 'variationId', at) };
  const weights = instruction.rolloutWeights;
  if (!isObject(weights)) fail(`${at}/variationId`, 'is required (or rolloutWeights)');
  const variations = Object.entries(weights).map(([id, weight]) => {
    const index = flag.variations.findIndex((v) => v._id === id);
    if (index < 0) fail(`${at}/rolloutWeights/${id}`, `no variation with _id "${id}"`);
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0) {
      fail(`${at}/rolloutWeights/${id}`, 'must be a whole number of thousandths of a percent');
    }
    return { variation: index, weight };
  });
  const bucketBy = instruction.rolloutBucketBy;
  const contextKind = instruction.rolloutContextKind;
  return {
    rollout: {
      variations,
      ...(typeof bucketBy === 'string' ? { bucketBy } : {}),
      ...(typeof contextKind === 'string' ? { contextKind } : {}),
    },
  };
}

function environment(flag: FlagDoc, ctx: Context, kind: string): FlagEnvironmentDoc {
  if (ctx.environmentKey === undefined) fail('/environmentKey', `is required for ${kind}`);
  const env = flag.environments[ctx.environmentKey];
  if (env === undefined) fail('/environmentKey', `no environment "${ctx.environmentKey}" in this project`);
  return env;
}

function clauses(instruction: Instruction, at: string, ctx: Context): Clause[] {
  const list = instruction.clauses;
  if (!Array.isArray(list) || list.length === 0) fail(`${at}/clauses`, 'must be a non-empty array');
  return list.map((raw, i) => {
    if (!isObject(raw)) fail(`${at}/clauses/${i}`, 'must be an object');
    const c = raw as Instruction;
    const attribute = field(c, 'attribute', `${at}/clauses/${i}`, isString, 'a string');
    const op = field(c, 'op', `${at}/clauses/${i}`, isString, 'an operator such as "in"');
    const values = field(c, 'values', `${at}/clauses/${i}`, Array.isArray, 'an array');
    const clause: Clause = {
      _id: ctx.newId(),
      attribute,
      op: op as Clause['op'],
      values,
      negate: c.negate === true,
    };
    if (typeof c.contextKind === 'string') clause.contextKind = c.contextKind;
    return clause;
  });
}

type Handler = (flag: FlagDoc, instruction: Instruction, ctx: Context) => void;

function ruleOf(env: FlagEnvironmentDoc, instruction: Instruction, at: string): Rule {
  const id = field(instruction, 'ruleId', at, isString, 'a rule _id');
  const rule = env.rules.find((r) => r._id === id);
  if (rule === undefined) fail(`${at}/ruleId`, `no rule with _id "${id}"`);
  return rule;
}

/** `{key, variationId}`, where the variation is one of the prerequisite flag's own. */
function prerequisiteOf(instruction: Instruction, ctx: Context): Prerequisite {
  const key = field(instruction, 'key', ctx.at, isString, 'a flag key');
  const id = field(instruction, 'variationId', ctx.at, isString, 'a variation _id of the prerequisite flag');
  const ids = ctx.variationIdsOf(key);
  if (ids === undefined) fail(`${ctx.at}/key`, `no flag "${key}" in this project`);
  const variation = ids.indexOf(id);
  if (variation < 0) fail(`${ctx.at}/variationId`, `flag "${key}" has no variation with _id "${id}"`);
  return { key, variation };
}

function setTags(flag: FlagDoc, instruction: Instruction, at: string, add: boolean): void {
  const values = field(instruction, 'values', at, isStrings, 'an array of tags');
  flag.tags = add ? [...new Set([...flag.tags, ...values])] : flag.tags.filter((t) => !values.includes(t));
}

const handlers: Record<string, Handler> = {
  turnFlagOn: (flag, _i, ctx) => {
    environment(flag, ctx, 'turnFlagOn').on = true;
  },
  turnFlagOff: (flag, _i, ctx) => {
    environment(flag, ctx, 'turnFlagOff').on = false;
  },
  updateOffVariation: (flag, i, ctx) => {
    environment(flag, ctx, 'updateOffVariation').offVariation = variationIndex(
      flag,
      i,
      'variationId',
      ctx.at,
    );
  },
  updateFallthroughVariationOrRollout: (flag, i, ctx) => {
    environment(flag, ctx, 'updateFallthroughVariationOrRollout').fallthrough = serve(flag, i, ctx.at);
  },
  addTargets: (flag, i, ctx) => {
    const env = environment(flag, ctx, 'addTargets');
    const variation = variationIndex(flag, i, 'variationId', ctx.at);
    const values = field(i, 'values', ctx.at, isStrings, 'an array of context keys');
    const contextKind =
      typeof i.contextKind === 'string' && i.contextKind !== 'user' ? i.contextKind : undefined;
    let target = env.targets.find((t) => t.variation === variation && t.contextKind === contextKind);
    if (target === undefined) {
      target = { values: [], variation, ...(contextKind === undefined ? {} : { contextKind }) };
      env.targets.push(target);
    }
    for (const value of values) if (!target.values.includes(value)) target.values.push(value);
  },
  removeTargets: (flag, i, ctx) => {
    const env = environment(flag, ctx, 'removeTargets');
    const variation = variationIndex(flag, i, 'variationId', ctx.at);
    const values = field(i, 'values', ctx.at, isStrings, 'an array of context keys');
    const kind = typeof i.contextKind === 'string' ? i.contextKind : 'user';
    for (const target of env.targets) {
      if (target.variation === variation && (target.contextKind ?? 'user') === kind)
        target.values = target.values.filter((v) => !values.includes(v));
    }
    env.targets = env.targets.filter((t) => t.values.length > 0);
  },
  addRule: (flag, i, ctx) => {
    const env = environment(flag, ctx, 'addRule');
    const rule: Rule = {
      _id: ctx.newId(),
      clauses: clauses(i, ctx.at, ctx),
      trackEvents: i.trackEvents === true,
      ...serve(flag, i, ctx.at),
    };
    if (typeof i.description === 'string') rule.description = i.description;
    const before = i.beforeRuleId;
    if (before === undefined) {
      env.rules.push(rule);
    } else {
      const index = env.rules.findIndex((r) => r._id === before);
      if (index < 0) fail(`${ctx.at}/beforeRuleId`, `no rule with _id "${String(before)}"`);
      env.rules.splice(index, 0, rule);
    }
  },
  removeRule: (flag, i, ctx) => {
    const env = environment(flag, ctx, 'removeRule');
    const id = field(i, 'ruleId', ctx.at, isString, 'a rule _id');
    const index = env.rules.findIndex((r) => r._id === id);
    if (index < 0) fail(`${ctx.at}/ruleId`, `no rule with _id "${id}"`);
    env.rules.splice(index, 1);
  },
  updateRuleVariationOrRollout: (flag, i, ctx) => {
    const env = environment(flag, ctx, 'updateRuleVariationOrRollout');
    const rule = ruleOf(env, i, ctx.at);
    const { variation: _variation, rollout: _rollout, ...rest } = rule;
    env.rules[env.rules.indexOf(rule)] = { ...rest, ...serve(flag, i, ctx.at) };
  },
  updateRuleDescription: (flag, i, ctx) => {
    const rule = ruleOf(environment(flag, ctx, 'updateRuleDescription'), i, ctx.at);
    rule.description = field(i, 'description', ctx.at, isString, 'a string');
  },
  addClauses: (flag, i, ctx) => {
    const rule = ruleOf(environment(flag, ctx, 'addClauses'), i, ctx.at);
    rule.clauses.push(...clauses(i, ctx.at, ctx));
  },
  removeClauses: (flag, i, ctx) => {
    const rule = ruleOf(environment(flag, ctx, 'removeClauses'), i, ctx.at);
    const ids = field(i, 'clauseIds', ctx.at, isStrings, 'an array of clause _ids');
    ids.forEach((id, n) => {
      if (!rule.clauses.some((c) => c._id === id))
        fail(`${ctx.at}/clauseIds/${n}`, `no clause with _id "${id}"`);
    });
    rule.clauses = rule.clauses.filter((c) => c._id === undefined || !ids.includes(c._id));
  },
  reorderRules: (flag, i, ctx) => {
    const env = environment(flag, ctx, 'reorderRules');
    const ids = field(i, 'ruleIds', ctx.at, isStrings, 'an array of every rule _id');
    const current = env.rules.map((r) => r._id);
    if (ids.length !== current.length || !current.every((id) => ids.includes(id)))
      fail(`${ctx.at}/ruleIds`, 'must list every rule _id of the environment once');
    env.rules = ids.map((id) => env.rules.find((r) => r._id === id) as Rule);
  },
  addPrerequisite: (flag, i, ctx) => {
    const env = environment(flag, ctx, 'addPrerequisite');
    const prerequisite = prerequisiteOf(i, ctx);
    if (env.prerequisites.some((p) => p.key === prerequisite.key))
      fail(`${ctx.at}/key`, `"${prerequisite.key}" is already a prerequisite`);
    env.prerequisites.push(prerequisite);
  },
  updatePrerequisite: (flag, i, ctx) => {
    const env = environment(flag, ctx, 'updatePrerequisite');
    const prerequisite = prerequisiteOf(i, ctx);
    const existing = env.prerequisites.find((p) => p.key === prerequisite.key);
    if (existing === undefined) fail(`${ctx.at}/key`, `"${prerequisite.key}" is not a prerequisite`);
    existing.variation = prerequisite.variation;
  },
  removePrerequisite: (flag, i, ctx) => {
    const env = environment(flag, ctx, 'removePrerequisite');
    const key = field(i, 'key', ctx.at, isString, 'a flag key');
    if (!env.prerequisites.some((p) => p.key === key))
      fail(`${ctx.at}/key`, `"${key}" is not a prerequisite`);
    env.prerequisites = env.prerequisites.filter((p) => p.key !== key);
  },
  updateName: (flag, i, ctx) => {
    flag.name = field(i, 'value', ctx.at, isString, 'a string');
  },
  updateDescription: (flag, i, ctx) => {
    flag.description = field(i, 'value', ctx.at, isString, 'a string');
  },
  addTags: (flag, i, ctx) => setTags(flag, i, ctx.at, true),
  removeTags: (flag, i, ctx) => setTags(flag, i, ctx.at, false),
  archiveFlag: (flag) => {
    flag.archived = true;
  },
  restoreFlag: (flag) => {
    flag.archived = false;
  },
  makeFlagTemporary: (flag) => {
    flag.temporary = true;
  },
  makeFlagPermanent: (flag) => {
    flag.temporary = false;
  },
};

export const semanticInstructionKinds = Object.keys(handlers);

/** The flags that instructions name as prerequisites, for the caller to look up beforehand. */
export function prerequisiteKeys(patch: SemanticPatch): string[] {
  return patch.instructions
    .filter((i) => i.kind === 'addPrerequisite' || i.kind === 'updatePrerequisite')
    .flatMap((i) => (typeof i.key === 'string' ? [i.key] : []));
}

/** Applies every instruction to a copy of the flag, all or nothing; validation happens after. */
export function applySemanticPatch(
  flag: FlagDoc,
  patch: SemanticPatch,
  newId: () => string,
  variationIdsOf: VariationIdsOf = () => undefined,
): FlagDoc {
  const copy = structuredClone(flag);
  patch.instructions.forEach((instruction, index) => {
    const at = `/instructions/${index}`;
    const handler = handlers[instruction.kind];
    if (handler === undefined) {
      fail(
        `${at}/kind`,
        `unknown instruction "${instruction.kind}"; supported: ${semanticInstructionKinds.join(', ')}`,
      );
    }
    handler(copy, instruction, { at, newId, environmentKey: patch.environmentKey, variationIdsOf });
  });
  return copy;
}
