import type { Flag, VariationOrRollout } from '../../api-types';

const serves = (serve: VariationOrRollout, index: number): boolean =>
  serve.variation === index || (serve.rollout?.variations.some((v) => v.variation === index) ?? false);

/**
 * Where the flag itself serves variation `index`, in words, so the UI can say why it may not be
 * removed yet (the server checks the same, and other flags' prerequisites too).
 */
export function variationUses(flag: Flag, index: number): string[] {
  const uses: string[] = [];
  if (flag.defaults.onVariation === index) uses.push('the default on variation for new environments');
  if (flag.defaults.offVariation === index) uses.push('the default off variation for new environments');
  for (const [envKey, env] of Object.entries(flag.environments)) {
    const where = env._environmentName || envKey;
    if (env.offVariation === index) uses.push(`the off variation in ${where}`);
    if (serves(env.fallthrough, index)) uses.push(`the default rule in ${where}`);
    if (env.targets.some((t) => t.variation === index && t.values.length > 0))
      uses.push(`individual targets in ${where}`);
    env.rules.forEach((rule, r) => {
      if (serves(rule, index)) uses.push(`rule ${r + 1} in ${where}`);
    });
  }
  return uses;
}
