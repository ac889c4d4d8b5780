import type { Flag, VariationOrRollout } from '../api-types';

/** A variation as people name it: its name, else its value as JSON. */
export function variationText(flag: Flag, index: number | undefined): string {
  if (index === undefined) return 'none';
  const variation = flag.variations[index];
  if (variation === undefined) return `variation ${index} (missing)`;
  if (variation.name !== undefined && variation.name !== '') return variation.name;
  return JSON.stringify(variation.value) ?? 'null';
}

/** "true" or "rollout: 50 % true, 50 % false". */
export function servingText(flag: Flag, serve: VariationOrRollout): string {
  if (serve.rollout !== undefined) {
    const parts = serve.rollout.variations.map(
      (v) => `${Math.round(v.weight / 10) / 100} % ${variationText(flag, v.variation)}`,
    );
    return `rollout: ${parts.join(', ')}`;
  }
  return variationText(flag, serve.variation);
}
