import { jsonEqual } from '../../shared/json-equal.js';
import type { FlagDoc, VariationOrRollout } from './flag-model.js';
import { type FlagHandler, serves, variationIndex } from './flag-semantic-context.js';
import { fail, type Instruction, isString, optional } from './flag-semantic-fields.js';

/**
 * Semantic patch instructions on the flag's variations and its defaults for new environments.
 * They are flag-wide: no `environmentKey`. Variations are referred to by index everywhere else,
 * so removing one renumbers those after it in every environment.
 */

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A variation value must be of the flag's type and differ from the others (`except` is itself). */
function checkValue(flag: FlagDoc, value: unknown, at: string, except?: number): void {
  if (value === undefined) fail(`${at}/value`, 'is required');
  if (value === null) fail(`${at}/value`, 'must not be null');
  const others = flag.variations.filter((_v, n) => n !== except);
  if (flag.kind === 'boolean' && typeof value !== 'boolean')
    fail(`${at}/value`, 'must be true or false: this is a boolean flag');
  const expected = others[0] === undefined ? undefined : typeOf(others[0].value);
  if (expected !== undefined && typeOf(value) !== expected)
    fail(`${at}/value`, `must be a ${expected} like the flag's other variations`);
  if (others.some((v) => jsonEqual(v.value, value))) fail(`${at}/value`, 'duplicates another variation');
}

function optionalText(i: Instruction, name: string, at: string, max: number): string | undefined {
  const text = optional(i, name, at, isString, 'a string');
  if (text !== undefined && text.length > max) fail(`${at}/${name}`, `must be at most ${max} characters`);
  return text;
}

/** Where variation `index` is in use, in words, for the refusal to remove it. */
function usesOf(flag: FlagDoc, index: number): string[] {
  const uses: string[] = [];
  if (flag.defaults.onVariation === index) uses.push('the default on variation for new environments');
  if (flag.defaults.offVariation === index) uses.push('the default off variation for new environments');
  for (const [envKey, env] of Object.entries(flag.environments)) {
    if (env.offVariation === index) uses.push(`the off variation in "${envKey}"`);
    if (serves(env.fallthrough, index)) uses.push(`the default rule in "${envKey}"`);
    if (env.targets.some((t) => t.variation === index && t.values.length > 0))
      uses.push(`individual targets in "${envKey}"`);
    env.rules.forEach((rule, r) => {
      if (serves(rule, index)) uses.push(`rule ${r + 1} in "${envKey}"`);
    });
  }
  return uses;
}

function renumbered(serve: VariationOrRollout, removed: number): VariationOrRollout {
  const shift = (n: number) => (n > removed ? n - 1 : n);
  if (serve.rollout !== undefined)
    return {
      ...serve,
      rollout: {
        ...serve.rollout,
        variations: serve.rollout.variations.map((v) => ({ ...v, variation: shift(v.variation) })),
      },
    };
  return serve.variation === undefined ? serve : { ...serve, variation: shift(serve.variation) };
}

export const variationHandlers: Record<string, FlagHandler> = {
  addVariation: (flag, i, ctx) => {
    if (flag.kind === 'boolean')
      fail(`${ctx.at}/kind`, 'a boolean flag has exactly two variations, true and false');
    checkValue(flag, i.value, ctx.at);
    const name = optionalText(i, 'name', ctx.at, 256);
    const description = optionalText(i, 'description', ctx.at, 1024);
    flag.variations.push({
      _id: ctx.newId(),
      value: structuredClone(i.value),
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
    });
  },
  updateVariation: (flag, i, ctx) => {
    const index = variationIndex(flag, i, 'variationId', ctx.at);
    const variation = flag.variations[index];
    if (variation === undefined) return;
    if (i.value === undefined && i.name === undefined && i.description === undefined)
      fail(`${ctx.at}/value`, 'give at least one of value, name, description');
    if (i.value !== undefined) {
      checkValue(flag, i.value, ctx.at, index);
      variation.value = structuredClone(i.value);
    }
    const name = optionalText(i, 'name', ctx.at, 256);
    if (name !== undefined) variation.name = name;
    const description = optionalText(i, 'description', ctx.at, 1024);
    if (description !== undefined) variation.description = description;
  },
  removeVariation: (flag, i, ctx) => {
    const index = variationIndex(flag, i, 'variationId', ctx.at);
    const at = `${ctx.at}/variationId`;
    if (flag.kind === 'boolean' || flag.variations.length <= 2)
      fail(at, 'a flag keeps at least two variations (a boolean flag exactly true and false)');
    const uses = usesOf(flag, index);
    for (const d of ctx.lookups.dependents) {
      if (d.variation === index) uses.push(`a prerequisite of flag "${d.flagKey}" in "${d.envKey}"`);
    }
    if (uses.length > 0) fail(at, `the variation is in use: ${uses.join('; ')}; change those first`);
    // Another flag's prerequisite names a variation by index: removing an earlier one would
    // silently make it require a different variation.
    const later = ctx.lookups.dependents.find((d) => d.variation > index);
    if (later !== undefined)
      fail(
        at,
        `removing it would renumber variation ${later.variation}, which flag "${later.flagKey}" requires as a prerequisite in "${later.envKey}"`,
      );
    const shift = (n: number) => (n > index ? n - 1 : n);
    flag.variations.splice(index, 1);
    flag.defaults = {
      onVariation: shift(flag.defaults.onVariation),
      offVariation: shift(flag.defaults.offVariation),
    };
    for (const env of Object.values(flag.environments)) {
      env.offVariation = shift(env.offVariation);
      env.fallthrough = renumbered(env.fallthrough, index);
      env.targets = env.targets
        .filter((t) => t.variation !== index)
        .map((t) => ({ ...t, variation: shift(t.variation) }));
      env.rules = env.rules.map((rule) => {
        const { variation: _v, rollout: _r, ...rest } = rule;
        return { ...rest, ...renumbered(rule, index) };
      });
    }
  },
  updateDefaultVariation: (flag, i, ctx) => {
    // LaunchDarkly's parameter names, and the capitalised ones its own example sends.
    const pick = (name: string) => {
      const cap = name[0]?.toUpperCase() + name.slice(1);
      const key = i[name] !== undefined ? name : cap;
      const value = i[key];
      if (value === undefined) return undefined;
      const index = flag.variations.findIndex((v) => jsonEqual(v.value, value));
      if (index < 0) fail(`${ctx.at}/${key}`, 'is not the value of any variation of the flag');
      return index;
    };
    const on = pick('onVariationValue');
    const off = pick('offVariationValue');
    if (on === undefined && off === undefined)
      fail(`${ctx.at}/onVariationValue`, 'give onVariationValue, offVariationValue or both');
    flag.defaults = {
      onVariation: on ?? flag.defaults.onVariation,
      offVariation: off ?? flag.defaults.offVariation,
    };
  },
};
