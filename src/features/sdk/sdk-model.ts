import type { Clause, FlagDoc, Rollout, Target, VariationOrRollout } from '../flags/flag-model.js';
import type { SegmentDoc, SegmentRule } from '../segments/segment-model.js';

/**
 * LaunchDarkly's SDK data model: what `put`/`patch` events and `/sdk/latest-all` carry and what
 * the official server-side SDKs parse (js-core `sdk-server/src/evaluation/data`). Pure: the same
 * stored documents give the same bytes on every node, so one serialization per environment serves
 * every stream.
 */

export interface SdkClause {
  readonly contextKind?: string;
  readonly attribute: string;
  readonly op: string;
  readonly values: readonly unknown[];
  readonly negate: boolean;
}

export interface SdkWeightedVariation {
  readonly variation: number;
  readonly weight: number;
  readonly untracked?: boolean;
}

export interface SdkRollout {
  readonly kind?: 'rollout' | 'experiment';
  readonly contextKind?: string;
  readonly bucketBy?: string;
  readonly seed?: number;
  readonly variations: readonly SdkWeightedVariation[];
}

export interface SdkVariationOrRollout {
  readonly variation?: number;
  readonly rollout?: SdkRollout;
}

export interface SdkFlagRule extends SdkVariationOrRollout {
  readonly id: string;
  readonly clauses: readonly SdkClause[];
  readonly trackEvents: boolean;
}

export interface SdkUserTarget {
  readonly values: readonly string[];
  readonly variation: number;
}

export interface SdkContextTarget extends SdkUserTarget {
  readonly contextKind: string;
}

export interface SdkFlag {
  readonly key: string;
  readonly version: number;
  readonly on: boolean;
  readonly variations: readonly unknown[];
  readonly offVariation: number;
  readonly fallthrough: SdkVariationOrRollout;
  readonly targets: readonly SdkUserTarget[];
  readonly contextTargets: readonly SdkContextTarget[];
  readonly rules: readonly SdkFlagRule[];
  readonly prerequisites: readonly { readonly key: string; readonly variation: number }[];
  readonly salt: string;
  readonly trackEvents: boolean;
  readonly trackEventsFallthrough: boolean;
  readonly clientSideAvailability: { readonly usingEnvironmentId: boolean; readonly usingMobileKey: boolean };
  /** The pre-2020 spelling of `clientSideAvailability.usingEnvironmentId`, still read by older SDKs. */
  readonly clientSide: boolean;
  readonly deleted: boolean;
}

export interface SdkSegmentTarget {
  readonly contextKind: string;
  readonly values: readonly string[];
}

export interface SdkSegmentRule {
  readonly id: string;
  readonly clauses: readonly SdkClause[];
  readonly weight?: number;
  readonly bucketBy?: string;
  readonly rolloutContextKind?: string;
}

export interface SdkSegment {
  readonly key: string;
  readonly version: number;
  readonly included: readonly string[];
  readonly excluded: readonly string[];
  readonly includedContexts: readonly SdkSegmentTarget[];
  readonly excludedContexts: readonly SdkSegmentTarget[];
  readonly rules: readonly SdkSegmentRule[];
  readonly salt: string;
  readonly unbounded: false;
  readonly deleted: boolean;
}

const userKind = 'user';

function sdkClause(clause: Clause): SdkClause {
  return {
    ...(clause.contextKind === undefined ? {} : { contextKind: clause.contextKind }),
    attribute: clause.attribute,
    op: clause.op,
    values: clause.values,
    negate: clause.negate,
  };
}

function sdkRollout(rollout: Rollout): SdkRollout {
  return {
    ...(rollout.kind === undefined ? {} : { kind: rollout.kind }),
    ...(rollout.contextKind === undefined ? {} : { contextKind: rollout.contextKind }),
    ...(rollout.bucketBy === undefined ? {} : { bucketBy: rollout.bucketBy }),
    ...(rollout.seed === undefined ? {} : { seed: rollout.seed }),
    variations: rollout.variations.map((v) => ({
      variation: v.variation,
      weight: v.weight,
      ...(v.untracked === true ? { untracked: true } : {}),
    })),
  };
}

function sdkServe(serve: VariationOrRollout): SdkVariationOrRollout {
  // Validation guarantees exactly one of the two.
  if (serve.rollout !== undefined) return { rollout: sdkRollout(serve.rollout) };
  return serve.variation === undefined ? {} : { variation: serve.variation };
}

/**
 * LaunchDarkly's convention for targets since context kinds: user keys stay in `targets` (one
 * entry per variation, which is how the SDKs find them), and `contextTargets` lists every target
 * in evaluation order, a user target as a placeholder with no values. SDKs walk `contextTargets`
 * and, for a placeholder, look up the `targets` entry of the same variation.
 *
 * Switchboard's validator already forbids one key in two variations of the same kind; two user
 * targets of the same variation are merged into the first one's place.
 */
function sdkTargets(stored: readonly Target[]): Pick<SdkFlag, 'targets' | 'contextTargets'> {
  const userValues = new Map<number, string[]>();
  const contextTargets: SdkContextTarget[] = [];
  for (const target of stored) {
    const kind = target.contextKind ?? userKind;
    if (kind !== userKind) {
      contextTargets.push({ contextKind: kind, values: target.values, variation: target.variation });
      continue;
    }
    const values = userValues.get(target.variation);
    if (values === undefined) {
      userValues.set(target.variation, [...target.values]);
      contextTargets.push({ contextKind: userKind, values: [], variation: target.variation });
    } else {
      for (const value of target.values) if (!values.includes(value)) values.push(value);
    }
  }
  const targets = [...userValues].map(([variation, values]) => ({ values, variation }));
  return { targets, contextTargets };
}

/**
 * One environment's configuration of a flag, as the SDKs of that environment see it. `version`
 * is the environment's version (the flag service raises it on every change an SDK can see).
 * An archived flag is a tombstone (`deleted: true`): LaunchDarkly's SDKs treat it as unknown,
 * and the stream announces it with a `delete` event at this version.
 */
export function toSdkFlag(key: string, flag: FlagDoc, envKey: string): SdkFlag {
  const env = flag.environments[envKey];
  if (env === undefined) throw new Error(`Flag "${key}" has no configuration for environment "${envKey}"`);
  return {
    key,
    version: env.version,
    on: env.on,
    variations: flag.variations.map((v) => v.value),
    offVariation: env.offVariation,
    fallthrough: sdkServe(env.fallthrough),
    ...sdkTargets(env.targets),
    rules: env.rules.map((rule) => ({
      id: rule._id,
      clauses: rule.clauses.map(sdkClause),
      ...sdkServe(rule),
      trackEvents: rule.trackEvents,
    })),
    prerequisites: env.prerequisites.map((p) => ({ key: p.key, variation: p.variation })),
    salt: env.salt,
    trackEvents: env.trackEvents,
    trackEventsFallthrough: env.trackEventsFallthrough,
    clientSideAvailability: {
      usingEnvironmentId: flag.clientSideAvailability.usingEnvironmentId,
      usingMobileKey: flag.clientSideAvailability.usingMobileKey,
    },
    clientSide: flag.clientSideAvailability.usingEnvironmentId,
    deleted: flag.archived,
  };
}

function sdkSegmentRule(rule: SegmentRule): SdkSegmentRule {
  return {
    id: rule._id,
    clauses: rule.clauses.map(sdkClause),
    ...(rule.weight === undefined ? {} : { weight: rule.weight }),
    ...(rule.bucketBy === undefined ? {} : { bucketBy: rule.bucketBy }),
    ...(rule.rolloutContextKind === undefined ? {} : { rolloutContextKind: rule.rolloutContextKind }),
  };
}

/**
 * A segment (segments belong to one environment) at its stored document `version`.
 *
 * Salt: Switchboard stores none, so the salt is the segment's key. It is stable across edits and
 * nodes (a context keeps its place in a weighted rule), and LaunchDarkly's hash input
 * `<segmentKey>.<salt>.<value>` stays distinct per segment.
 */
export function toSdkSegment(key: string, segment: SegmentDoc, version: number): SdkSegment {
  return {
    key,
    version,
    included: segment.included,
    excluded: segment.excluded,
    includedContexts: segment.includedContexts ?? [],
    excludedContexts: segment.excludedContexts ?? [],
    rules: segment.rules.map(sdkSegmentRule),
    salt: key,
    unbounded: false,
    deleted: false,
  };
}
