import { createHash } from 'node:crypto';
import type { AttributeReference } from './attribute-reference.js';
import { type Context, contextValue, userKind } from './context.js';

/**
 * LaunchDarkly's bucket: SHA-1 of `key.salt.value` (or `seed.value` when the rollout has a seed),
 * the first 15 hex digits over 0xFFFFFFFFFFFFFFF, a number in [0, 1). Only strings and integers
 * are bucketable; anything else lands in bucket 0.
 */
export interface Bucket {
  readonly bucket: number;
  /** Whether the context has the rollout's kind; without it a context is never in an experiment. */
  readonly hadContext: boolean;
}

// The SDKs divide by the float nearest 0xFFFFFFFFFFFFFFF; the same constant gives the same buckets.
const scale = 1152921504606847e3;

export function bucketValue(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return String(value);
  return null;
}

export function bucketOfHashKey(hashKey: string): number {
  const hex = createHash('sha1').update(hashKey).digest('hex').slice(0, 15);
  return Number.parseInt(hex, 16) / scale;
}

export function bucketContext(
  context: Context,
  key: string,
  by: AttributeReference,
  salt: string,
  kind: string | undefined,
  seed: number | undefined,
): Bucket {
  const rolloutKind = kind ?? userKind;
  const value = bucketValue(contextValue(context, rolloutKind, by));
  if (value === null) return { bucket: 0, hadContext: context.byKind.has(rolloutKind) };
  // A seed of 0 counts as no seed, as in the SDKs.
  const prefix = seed ? String(Number(seed)) : `${key}.${salt}`;
  return { bucket: bucketOfHashKey(`${prefix}.${value}`), hadContext: true };
}
