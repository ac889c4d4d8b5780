import { ValidationError } from '../../errors/app-errors.js';
import type { FlagDoc } from './flag-model.js';
import { type FlagHandler, noLookups, type SemanticLookups } from './flag-semantic-context.js';
import { fail, type Instruction } from './flag-semantic-fields.js';
import { ruleHandlers } from './flag-semantic-rules.js';
import { maintainerIdsOf, settingHandlers } from './flag-semantic-settings.js';
import { prerequisiteKeysOf, targetingHandlers } from './flag-semantic-targeting.js';
import { variationHandlers } from './flag-semantic-variations.js';

/** `{"environmentKey", "comment", "instructions": [...]}` with the semantic-patch content type. */
export interface SemanticPatch {
  readonly environmentKey: string | undefined;
  readonly comment: string | undefined;
  readonly instructions: readonly Instruction[];
}

export type { SemanticLookups };

export const semanticPatchContentType = /domain-model\s*=\s*launchdarkly\.semanticpatch/i;

export function parseSemanticPatch(body: unknown): SemanticPatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ValidationError.at('/', 'expected {"environmentKey", "comment", "instructions": [...]}');
  }
  const { environmentKey, comment, instructions, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw ValidationError.at(`/${extra}`, 'unknown field');
  if (environmentKey !== undefined && typeof environmentKey !== 'string') {
    throw ValidationError.at('/environmentKey', 'must be a string');
  }
  if (comment !== undefined && typeof comment !== 'string')
    throw ValidationError.at('/comment', 'must be a string');
  if (!Array.isArray(instructions) || instructions.length === 0) {
    throw ValidationError.at('/instructions', 'must be a non-empty array of instructions');
  }
  instructions.forEach((instruction, i) => {
    if (
      typeof instruction !== 'object' ||
      instruction === null ||
      typeof (instruction as Instruction).kind !== 'string'
    ) {
      throw ValidationError.at(`/instructions/${i}/kind`, 'is required');
    }
  });
  return { environmentKey, comment, instructions: instructions as Instruction[] };
}

const handlers: Record<string, FlagHandler> = {
  ...targetingHandlers,
  ...ruleHandlers,
  ...variationHandlers,
  ...settingHandlers,
};

export const semanticInstructionKinds = Object.keys(handlers).filter((k) => k !== 'updateMaintainerTeam');

/** What the caller must look up before applying the patch: flags, members, dependents. */
export function semanticLookupsNeeded(patch: SemanticPatch): {
  flagKeys: string[];
  memberIds: string[];
  dependents: boolean;
} {
  return {
    flagKeys: [...new Set(patch.instructions.flatMap(prerequisiteKeysOf))],
    memberIds: [...new Set(patch.instructions.flatMap(maintainerIdsOf))],
    dependents: patch.instructions.some((i) => i.kind === 'removeVariation'),
  };
}

/**
 * Applies every instruction, in order, to a copy of the flag: all or nothing, since the first
 * refusal throws before anything is written. The caller validates the result as a whole.
 */
export function applySemanticPatch(
  flag: FlagDoc,
  patch: SemanticPatch,
  options: { flagKey: string; newId: () => string; lookups?: SemanticLookups },
): FlagDoc {
  const copy = structuredClone(flag);
  patch.instructions.forEach((instruction, index) => {
    const at = `/instructions/${index}`;
    const handler = Object.hasOwn(handlers, instruction.kind) ? handlers[instruction.kind] : undefined;
    if (handler === undefined) {
      fail(
        `${at}/kind`,
        `unknown instruction "${instruction.kind}"; supported: ${semanticInstructionKinds.join(', ')}`,
      );
    }
    handler(copy, instruction, {
      at,
      flagKey: options.flagKey,
      newId: options.newId,
      environmentKey: patch.environmentKey,
      lookups: options.lookups ?? noLookups,
    });
  });
  return copy;
}
