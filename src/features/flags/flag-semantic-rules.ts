import type { FlagDoc, Rule } from './flag-model.js';
import {
  environment,
  type FlagHandler,
  type FlagInstructionContext,
  serve,
} from './flag-semantic-context.js';
import {
  clauseEdits,
  fail,
  field,
  insertRule,
  isArray,
  isBoolean,
  isObject,
  isString,
  optional,
  parseClauses,
  reordered,
  ruleOf,
  withoutRule,
} from './flag-semantic-fields.js';

/**
 * Semantic patch instructions for one environment's targeting rules and their clauses. Each
 * needs `environmentKey`.
 */

/** A rule as addRule and replaceRules take it: clauses, what it serves, description, trackEvents. */
function newRule(
  flag: FlagDoc,
  raw: Readonly<Record<string, unknown>>,
  at: string,
  ctx: FlagInstructionContext,
): Rule {
  const description = optional(raw, 'description', at, isString, 'a string');
  return {
    _id: ctx.newId(),
    clauses: parseClauses(raw, at, ctx.newId),
    trackEvents: optional(raw, 'trackEvents', at, isBoolean, 'true or false') ?? false,
    ...serve(flag, raw, at),
    ...(description === undefined ? {} : { description }),
  };
}

const clauseHandlers: Record<string, FlagHandler> = Object.fromEntries(
  Object.entries(clauseEdits).map(([kind, edit]) => [
    kind,
    ((flag, i, ctx) =>
      edit(environment(flag, ctx, i.kind).rules, i, ctx.at, ctx.newId)) satisfies FlagHandler,
  ]),
);

export const ruleHandlers: Record<string, FlagHandler> = {
  ...clauseHandlers,
  addRule: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    insertRule(env.rules, newRule(flag, i, ctx.at, ctx), i, ctx.at);
  },
  // LaunchDarkly: removing a rule that does not exist does nothing.
  removeRule: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    env.rules = withoutRule(env.rules, i, ctx.at);
  },
  replaceRules: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    const list = field(i, 'rules', ctx.at, isArray, 'an array of rules');
    env.rules = list.map((raw, n) => {
      const at = `${ctx.at}/rules/${n}`;
      if (!isObject(raw)) fail(at, 'must be a rule object');
      return newRule(flag, raw, at, ctx);
    });
  },
  reorderRules: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    env.rules = reordered(env.rules, i, ctx.at);
  },
  updateRuleVariationOrRollout: (flag, i, ctx) => {
    const env = environment(flag, ctx, i.kind);
    const rule = ruleOf(env.rules, i, ctx.at);
    const { variation: _variation, rollout: _rollout, ...rest } = rule;
    env.rules[env.rules.indexOf(rule)] = { ...rest, ...serve(flag, i, ctx.at) };
  },
  updateRuleTrackEvents: (flag, i, ctx) => {
    const rule = ruleOf(environment(flag, ctx, i.kind).rules, i, ctx.at);
    rule.trackEvents = field(i, 'trackEvents', ctx.at, isBoolean, 'true or false');
  },
};
