import type { FlagDoc, FlagEnvironmentDoc, VariationOrRollout } from './flag-model.js';
import {
  contextKind,
  fail,
  field,
  type Instruction,
  isObject,
  isString,
  isWeight,
  optional,
} from './flag-semantic-fields.js';

/** A prerequisite another flag of the project has on the patched flag. */
export interface Dependent {
  readonly flagKey: string;
  readonly envKey: string;
  readonly variation: number;
}

/** What instructions need from outside the flag, gathered by the caller before applying them. */
export interface SemanticLookups {
  /** The variation `_id`s of another flag of the project, by key (for prerequisites). */
  readonly variationIdsOf: (flagKey: string) => readonly (string | undefined)[] | undefined;
  /** Whether a member with this id exists (for the maintainer). */
  readonly isMember: (memberId: string) => boolean;
  /** Other flags' prerequisites on this flag (for removing a variation). */
  readonly dependents: readonly Dependent[];
}

export const noLookups: SemanticLookups = {
  variationIdsOf: () => undefined,
  isMember: () => false,
  dependents: [],
};

export interface FlagInstructionContext {
  /** `/instructions/N`: every refusal names a field under it. */
  readonly at: string;
  readonly flagKey: string;
  readonly newId: () => string;
  readonly environmentKey: string | undefined;
  readonly lookups: SemanticLookups;
}

export type FlagHandler = (flag: FlagDoc, instruction: Instruction, ctx: FlagInstructionContext) => void;

/** The environment an environment-scoped instruction acts on: `environmentKey` is required. */
export function environment(flag: FlagDoc, ctx: FlagInstructionContext, kind: string): FlagEnvironmentDoc {
  if (ctx.environmentKey === undefined) fail('/environmentKey', `is required for ${kind}`);
  const env = flag.environments[ctx.environmentKey];
  if (env === undefined) fail('/environmentKey', `no environment "${ctx.environmentKey}" in this project`);
  return env;
}

export function variationIndex(
  flag: FlagDoc,
  instruction: Readonly<Record<string, unknown>>,
  name: string,
  at: string,
): number {
  const id = field(instruction, name, at, isString, 'a variation _id');
  const index = flag.variations.findIndex((v) => v._id === id);
  if (index < 0) fail(`${at}/${name}`, `no variation with _id "${id}"`);
  return index;
}

/**
 * `{variationId}` or `{rolloutWeights: {variationId: weight}, rolloutBucketBy?,
 * rolloutContextKind?}`, weights in thousandths of a percent adding up to 100%.
 */
export function serve(
  flag: FlagDoc,
  instruction: Readonly<Record<string, unknown>>,
  at: string,
): VariationOrRollout {
  if (instruction.variationId !== undefined) {
    if (instruction.rolloutWeights !== undefined)
      fail(`${at}/rolloutWeights`, 'give either variationId or rolloutWeights, not both');
    return { variation: variationIndex(flag, instruction, 'variationId', at) };
  }
  const weights = instruction.rolloutWeights;
  if (!isObject(weights)) fail(`${at}/variationId`, 'is required (or rolloutWeights)');
  let total = 0;
  const variations = Object.entries(weights).map(([id, weight]) => {
    const index = flag.variations.findIndex((v) => v._id === id);
    if (index < 0) fail(`${at}/rolloutWeights/${id}`, `no variation with _id "${id}"`);
    if (!isWeight(weight)) fail(`${at}/rolloutWeights/${id}`, 'must be a whole number from 0 to 100000');
    total += weight;
    return { variation: index, weight };
  });
  if (total !== 100_000) fail(`${at}/rolloutWeights`, `must add up to 100000 (100%), got ${total}`);
  const bucketBy = optional(instruction, 'rolloutBucketBy', at, isString, 'an attribute name');
  if (bucketBy === '') fail(`${at}/rolloutBucketBy`, 'must name an attribute');
  const kind = contextKind(instruction, 'rolloutContextKind', at);
  return {
    rollout: {
      variations,
      ...(bucketBy === undefined ? {} : { bucketBy }),
      ...(kind === undefined ? {} : { contextKind: kind }),
    },
  };
}

/** Whether a variation or rollout serves variation `index` (with any weight). */
export function serves(target: VariationOrRollout, index: number): boolean {
  return (
    target.variation === index || (target.rollout?.variations.some((v) => v.variation === index) ?? false)
  );
}

export type { Instruction };
