import type { LDClient } from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeReference } from '../../src/evaluation/attribute-reference.js';
import { bucketContext } from '../../src/evaluation/bucketing.js';
import { parseContext } from '../../src/evaluation/context.js';
import { evaluateFlag } from '../../src/evaluation/evaluate-flag.js';
import type { SdkFlag } from '../../src/features/sdk/sdk-model.js';
import { offlineSdk } from '../helpers/offline-sdk.js';
import { rolloutBucket } from '../sdk/sdk-vectors-bucket.js';

// 10,000 generated keys per salt and seed land in the same bucket as LaunchDarkly's documented
// formula computes (exactly) and in the same 1/1000 slice as the official Node SDK puts them.

const slices = 1000;
const keyCount = 10_000;
const configurations = [
  { salt: 'salt', seed: undefined },
  { salt: '', seed: undefined },
  { salt: 'a.b/c~', seed: undefined },
  { salt: 'salt', seed: 61 },
  { salt: 'salt', seed: -7 },
  // The Node SDK treats a seed of 0 as no seed; ours does the same.
  { salt: 'salt', seed: 0 },
];

const keys = fc.sample(fc.oneof(fc.string({ minLength: 1 }), fc.uuid(), fc.integer().map(String)), {
  numRuns: keyCount,
  seed: 15,
});

function slicedFlag(key: string, salt: string, seed: number | undefined): SdkFlag {
  return {
    key,
    version: 1,
    on: true,
    variations: Array.from({ length: slices }, (_, i) => i),
    offVariation: 0,
    fallthrough: {
      rollout: {
        ...(seed === undefined ? {} : { seed }),
        variations: Array.from({ length: slices }, (_, variation) => ({
          variation,
          weight: 100_000 / slices,
        })),
      },
    },
    targets: [],
    contextTargets: [],
    rules: [],
    prerequisites: [],
    salt,
    trackEvents: false,
    trackEventsFallthrough: false,
    clientSideAvailability: { usingEnvironmentId: false, usingMobileKey: false },
    clientSide: false,
    deleted: false,
  };
}

let client: LDClient;
const flags = configurations.map((c, i) => slicedFlag(`sliced-${i}`, c.salt, c.seed));

beforeAll(async () => {
  const td = new TestData();
  // biome-ignore lint/correctness/useHookAtTopLevel: TestData's `use…` methods are not React hooks
  for (const flag of flags) await td.usePreconfiguredFlag(flag);
  client = await offlineSdk(td, 'bucketing-agreement');
});

afterAll(() => client.close());

const noData = { flag: () => undefined, segment: () => undefined };

describe('bucketing', () => {
  configurations.forEach((configuration, i) => {
    const flag = flags[i] as SdkFlag;
    it(`agrees on ${keyCount} keys with salt "${configuration.salt}" and seed ${configuration.seed}`, async () => {
      const hashSeed = configuration.seed === 0 ? undefined : configuration.seed;
      const seenSlices = new Set<number>();
      for (const key of keys) {
        const parsed = parseContext({ kind: 'user', key });
        if (!parsed.ok) throw new Error(`key ${JSON.stringify(key)} rejected`);
        const ours = bucketContext(
          parsed.context,
          flag.key,
          attributeReference('key'),
          flag.salt,
          undefined,
          configuration.seed,
        );
        expect(ours.bucket).toBe(rolloutBucket(flag.key, flag.salt, key, hashSeed));
        const evaluated = evaluateFlag(flag, parsed.context, noData);
        const theirs = await client.variationDetail(flag.key, { kind: 'user', key }, -1);
        expect(evaluated.variationIndex).toBe(theirs.variationIndex);
        seenSlices.add(evaluated.variationIndex ?? -1);
      }
      // The keys spread over the slices: a constant bucket would not pass.
      expect(seenSlices.size).toBeGreaterThan(slices * 0.99);
    }, 60_000);
  });
});
