import { createHash } from 'node:crypto';

/**
 * LaunchDarkly's documented bucketing, written from its description (reference/sdk.md), not from
 * an SDK: the expected side of the rollout vectors. The official SDK must land every context in
 * the same place.
 */

// 0xFFFFFFFFFFFFFFF as a double (it rounds to 2^60, in every SDK that divides in floating point).
const longScale = 2 ** 60 - 1;

/** First 15 hex digits of SHA-1(input) as an integer, divided by 0xFFFFFFFFFFFFFFF. */
export function bucketOf(input: string): number {
  const hex = createHash('sha1').update(input).digest('hex').slice(0, 15);
  return Number.parseInt(hex, 16) / longScale;
}

/** `<key>.<salt>.<value>`, or `<seed>.<value>` when the rollout has a seed. */
export function rolloutBucket(key: string, salt: string, value: string, seed?: number): number {
  return bucketOf(seed === undefined ? `${key}.${salt}.${value}` : `${seed}.${value}`);
}

export interface Weighted {
  readonly variation: number;
  readonly weight: number;
  readonly untracked?: boolean;
}

/** The first variation whose running sum of weight ÷ 100,000 exceeds the bucket; the last if none. */
export function pick(bucket: number, variations: readonly Weighted[]): Weighted {
  let sum = 0;
  for (const v of variations) {
    sum += v.weight / 100_000;
    if (bucket < sum) return v;
  }
  const last = variations[variations.length - 1];
  if (last === undefined) throw new Error('a rollout needs variations');
  return last;
}
