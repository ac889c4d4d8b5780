import * as crypto from 'node:crypto';
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

// The one-shot `crypto.hash` (Node ≥ 20.12) skips a Hash object per evaluation, a third of the
// cost of a rollout; older Node 20 releases fall back to createHash.
const sha1Hex: (input: string) => string =
  typeof crypto.hash === 'function'
    ? (input) => crypto.hash('sha1', input, 'hex')
    : (input) => crypto.createHash('sha1').update(input).digest('hex');

export function bucketOfHashKey(hashKey: string): number {
  const hex = sha1Hex(hashKey).slice(0, 15);
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
