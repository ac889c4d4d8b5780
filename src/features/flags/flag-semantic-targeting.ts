import type { FlagDoc, FlagEnvironmentDoc, Prerequisite, Target } from './flag-model.js';
import {
  environment,
  type FlagHandler,
  type FlagInstructionContext,
  serve,
  variationIndex,
} from './flag-semantic-context.js';
import {
  contextKind,
  fail,
  field,
  type Instruction,
  isArray,
  isBoolean,
  isObject,
  isString,
  keys,
} from './flag-semantic-fields.js';

/**
 * Semantic patch instructions for one environment's targeting: on/off, the off variation, the
 * default rule, individual targets, prerequisites and event tracking. Each needs `environmentKey`.
 */

const kindOf = (target: Target): string => target.contextKind ?? 'user';

/** Adds keys to the targets of (kind, variation); a key already served another variation is refused. */
function addTargets(
  env: FlagEnvironmentDoc,
  kind: string,
  variation: number,
  values: readonly string[],
  at: string,
): void {
  values.forEach((value, n) => {
    const other = env.targets.find(
      (t) => kindOf(t) === kind && t.variation !== variation && t.values.includes(value),
    );
    if (other !== undefined)
      fail(
        `${at}/values/${n}`,
        `"${value}" is already targeted with variation ${other.variation}; remove it there first`,
      );
  });
  let target = env.targets.find((t) => kindOf(t) === kind && t.variation === variation);
  if (target === undefined) {
    target = { values: [], variation, ...(kind === 'user' ? {} : { contextKind: kind }) };
    env.targets.push(target);
  }
  for (const value of values) if (!target.values.includes(value)) target.values.push(value);
}

function removeTargets(
  env: FlagEnvironmentDoc,
  kind: string,
  variation: number,
  values: readonly string[],
): void {
  for (const target of env.targets) {
    if (target.variation === variation && kindOf(target) === kind)
      target.values = target.values.filter((v) => !values.includes(v));
  }
  env.targets = env.targets.filter((t) => t.values.length > 0);
}

/** `targets: [{contextKind?, variationId, values}]` replacing every target (of `onlyKind`, if given). */
function replaceTargets(flag: FlagDoc, i: Instruction, ctx: FlagInstructionContext, onlyKind?: string): void {
  const env = environment(flag, ctx, i.kind);
  const list = field(i, 'targets', ctx.at, isArray, 'an array of {variationId, values}');
  env.targets = onlyKind === undefined ? [] : env.targets.filter((t) => kindOf(t) !== onlyKind);
  list.forEach((raw, n) => {
    const at = `${ctx.at}/targets/${n}`;
    if (!isObject(raw)) fail(at, 'must be an object {variationId, values}');
    const kind = onlyKind ?? contextKind(raw, 'contextKind', at) ?? 'user';
    addTargets(env, kind, variationIndex(flag, raw, 'variationId', at), keys(raw, at), at);
  });
}

function clearTargets(flag: FlagDoc, i: Instruction, ctx: FlagInstructionContext, onlyKind?: string): void {
  const env = environment(flag, ctx, i.kind);
  const variation = variationIndex(flag, i, 'variationId', ctx.at);
  env.targets = env.targets.filter(
    (t) => t.variation !== variation || (onlyKind !== undefined && kindOf(t) !== onlyKind),
  );
}

/** `{key, variationId}`, where the variation is one of the prerequisite flag's own. */
function prerequisiteOf(
  raw: Readonly<Record<string, unknown>>,
  at: string,
  ctx: FlagInstructionContext,
): Prerequisite {
  const key = field(raw, 'key', at, isString, 'a flag key');
  if (key === ctx.flagKey) fail(`${at}/key`, 'a flag cannot be its own prerequisite');
  const id = field(raw, 'variationId', at, isString, 'a variation _id of the prerequisite flag');
  const ids = ctx.lookups.variationIdsOf(key);
  if (ids === undefined) fail(`${at}/key`, `no flag "${key}" in this project`);
  const variation = ids.indexOf(id);
  if (variation < 0) fail(`${at}/variationId`, `flag "${key}" has no variation with _id "${id}"`);
  return { key, variation };
}

export const targetingHandlers: Record<string, FlagHandler> = {
  turnFlagOn: (flag, i, ctx) => {
    environment(flag, ctx, i.kind).on = true;
  },
  turnFlagOff: (flag, i, ctx) => {
    environment(flag, ctx, i.kind).on = false;
  },
  updateOffVariation: (flag, i, ctx) => {
    environment(flag, ctx, i.kind).offVariation = variationIndex(flag, i, 'variationId', ctx.at);
  },
  updateFallthroughVariationOrRollout: (flag, i, ctx) => {
    environment(flag, ctx, i.kind).fallthrough = serve(flag, i, ctx.at);
  },
  updateTrackEvents: (flag, i, ctx) => {
    environment(flag, ctx, i.kind).trackEvents = field(i, 'trackEvents', ctx.at, isBoolean, 'true or false');
  },
  updateTrackEventsFallthrough: (flag, i, ctx) => {
    environment(flag, ctx, i.kind).trackEventsFallthrough = field(
      i,
      'trackEvents',
      ctx.at,
      isBoolean,
      'true or false',
    );
  },

  addTargets: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    const variation = variationIndex(flag, i, 'variationId', ctx.at);
    addTargets(env, contextKind(i, 'contextKind', ctx.at) ?? 'user', variation, keys(i, ctx.at), ctx.at);
  },
  removeTargets: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    const variation = variationIndex(flag, i, 'variationId', ctx.at);
    removeTargets(env, contextKind(i, 'contextKind', ctx.at) ?? 'user', variation, keys(i, ctx.at));
  },
  addUserTargets: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    addTargets(env, 'user', variationIndex(flag, i, 'variationId', ctx.at), keys(i, ctx.at), ctx.at);
  },
  removeUserTargets: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    removeTargets(env, 'user', variationIndex(flag, i, 'variationId', ctx.at), keys(i, ctx.at));
  },
  replaceTargets: (flag, i, ctx) => replaceTargets(flag, i, ctx),
  replaceUserTargets: (flag, i, ctx) => replaceTargets(flag, i, ctx, 'user'),
  clearTargets: (flag, i, ctx) => clearTargets(flag, i, ctx),
  clearUserTargets: (flag, i, ctx) => clearTargets(flag, i, ctx, 'user'),

  addPrerequisite: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    const prerequisite = prerequisiteOf(i, ctx.at, ctx);
    if (env.prerequisites.some((p) => p.key === prerequisite.key))
      fail(`${ctx.at}/key`, `"${prerequisite.key}" is already a prerequisite; use updatePrerequisite`);
    env.prerequisites.push(prerequisite);
  },
  updatePrerequisite: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    const prerequisite = prerequisiteOf(i, ctx.at, ctx);
    const existing = env.prerequisites.find((p) => p.key === prerequisite.key);
    if (existing === undefined) fail(`${ctx.at}/key`, `"${prerequisite.key}" is not a prerequisite`);
    existing.variation = prerequisite.variation;
  },
  // LaunchDarkly: removing a prerequisite the flag does not have does nothing.
  removePrerequisite: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    const key = field(i, 'key', ctx.at, isString, 'a flag key');
    env.prerequisites = env.prerequisites.filter((p) => p.key !== key);
  },
  replacePrerequisites: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    const list = field(i, 'prerequisites', ctx.at, isArray, 'an array of {key, variationId}');
    const prerequisites: Prerequisite[] = [];
    list.forEach((raw, n) => {
      const at = `${ctx.at}/prerequisites/${n}`;
      if (!isObject(raw)) fail(at, 'must be an object {key, variationId}');
      const prerequisite = prerequisiteOf(raw, at, ctx);
      if (prerequisites.some((p) => p.key === prerequisite.key)) fail(`${at}/key`, 'is listed twice');
      prerequisites.push(prerequisite);
    });
    env.prerequisites = prerequisites;
  },
};

/** The flag keys instructions name as prerequisites, for the caller to look up beforehand. */
export function prerequisiteKeysOf(instruction: Instruction): string[] {
  const one = (raw: unknown) => (isObject(raw) && typeof raw.key === 'string' ? [raw.key] : []);
  if (instruction.kind === 'addPrerequisite' || instruction.kind === 'updatePrerequisite')
    return one(instruction);
  if (instruction.kind === 'replacePrerequisites' && Array.isArray(instruction.prerequisites))
    return instruction.prerequisites.flatMap(one);
  return [];
}
