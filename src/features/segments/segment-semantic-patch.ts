import {
  clauseEdits,
  contextKind,
  editTags,
  fail,
  field,
  type Instruction,
  isString,
  isWeight,
  keys,
  optional,
  parseClauses,
  reordered,
  ruleOf,
  withoutRule,
} from '../flags/flag-semantic-fields.js';
import type { SemanticPatch } from '../flags/flag-semantic-patch.js';
import type { SegmentDoc, SegmentRule, SegmentTarget } from './segment-model.js';

/**
 * LaunchDarkly's semantic patch for segments (`PATCH /segments/{p}/{env}/{key}` with
 * `domain-model=launchdarkly.semanticpatch`). Pure: instructions are applied in order to a copy
 * of the segment, the first refusal (a 400 naming `/instructions/N/<field>`) leaves it untouched.
 */

interface Context {
  readonly at: string;
  readonly newId: () => string;
}

type Handler = (segment: SegmentDoc, instruction: Instruction, ctx: Context) => void;

type Side = 'included' | 'excluded';
const other = (side: Side): Side => (side === 'included' ? 'excluded' : 'included');

/** The keys of one context kind on one side: `user` keys live in `included`/`excluded`. */
function keysOf(segment: SegmentDoc, side: Side, kind: string): string[] {
  if (kind === 'user') return segment[side];
  return (
    (side === 'included' ? segment.includedContexts : segment.excludedContexts)?.find(
      (t) => t.contextKind === kind,
    )?.values ?? []
  );
}

function setKeys(segment: SegmentDoc, side: Side, kind: string, values: string[]): void {
  if (kind === 'user') {
    segment[side] = values;
    return;
  }
  const field = side === 'included' ? 'includedContexts' : 'excludedContexts';
  const targets: SegmentTarget[] = (segment[field] ?? []).filter((t) => t.contextKind !== kind);
  if (values.length > 0) {
    const index = (segment[field] ?? []).findIndex((t) => t.contextKind === kind);
    targets.splice(index < 0 ? targets.length : index, 0, { contextKind: kind, values });
  }
  segment[field] = targets;
}

function addTargets(segment: SegmentDoc, i: Instruction, at: string, side: Side, kind: string): void {
  const values = keys(i, at);
  const opposite = keysOf(segment, other(side), kind);
  values.forEach((value, n) => {
    if (opposite.includes(value))
      fail(`${at}/values/${n}`, `"${value}" is ${other(side)}; a key cannot be both included and excluded`);
  });
  const current = keysOf(segment, side, kind);
  setKeys(segment, side, kind, [
    ...current,
    ...values.filter((v, n) => !current.includes(v) && values.indexOf(v) === n),
  ]);
}

function removeTargets(segment: SegmentDoc, i: Instruction, at: string, side: Side, kind: string): void {
  const values = keys(i, at);
  setKeys(
    segment,
    side,
    kind,
    keysOf(segment, side, kind).filter((v) => !values.includes(v)),
  );
}

/** `contextKind` is required by LaunchDarkly for the *Targets instructions; the *Users ones imply `user`. */
const requiredKind = (i: Instruction, at: string): string => {
  const kind = contextKind(i, 'contextKind', at);
  if (kind === undefined)
    fail(`${at}/contextKind`, 'is required (use the *Users instructions for user keys)');
  return kind;
};

const targetHandlers: Record<string, Handler> = {
  addIncludedTargets: (s, i, { at }) => addTargets(s, i, at, 'included', requiredKind(i, at)),
  removeIncludedTargets: (s, i, { at }) => removeTargets(s, i, at, 'included', requiredKind(i, at)),
  addExcludedTargets: (s, i, { at }) => addTargets(s, i, at, 'excluded', requiredKind(i, at)),
  removeExcludedTargets: (s, i, { at }) => removeTargets(s, i, at, 'excluded', requiredKind(i, at)),
  addIncludedUsers: (s, i, { at }) => addTargets(s, i, at, 'included', 'user'),
  removeIncludedUsers: (s, i, { at }) => removeTargets(s, i, at, 'included', 'user'),
  addExcludedUsers: (s, i, { at }) => addTargets(s, i, at, 'excluded', 'user'),
  removeExcludedUsers: (s, i, { at }) => removeTargets(s, i, at, 'excluded', 'user'),
};

/** `weight` with `rolloutContextKind` (and `bucketBy`): the share of matching contexts included. */
function rollout(i: Instruction, at: string, kindField: string): Partial<SegmentRule> {
  const weight =
    i.weight === undefined ? undefined : field(i, 'weight', at, isWeight, 'a whole number from 0 to 100000');
  const kind = contextKind(i, kindField, at);
  const bucketBy = optional(i, 'bucketBy', at, isString, 'an attribute name');
  if (bucketBy === '') fail(`${at}/bucketBy`, 'must name an attribute');
  return {
    ...(weight === undefined ? {} : { weight }),
    ...(kind === undefined ? {} : { rolloutContextKind: kind }),
    ...(bucketBy === undefined ? {} : { bucketBy }),
  };
}

const clauseHandlers: Record<string, Handler> = Object.fromEntries(
  Object.entries(clauseEdits).map(([kind, edit]) => [
    kind,
    ((segment, i, ctx) => edit(segment.rules, i, ctx.at, ctx.newId)) satisfies Handler,
  ]),
);

const ruleHandlers: Record<string, Handler> = {
  ...clauseHandlers,
  addRule: (segment, i, { at, newId }) => {
    const description = optional(i, 'description', at, isString, 'a string');
    const rule: SegmentRule = {
      _id: newId(),
      clauses: parseClauses(i, at, newId, true),
      ...rollout(i, at, 'rolloutContextKind'),
      ...(description === undefined ? {} : { description }),
    };
    const before = optional(i, 'beforeRuleId', at, isString, 'a rule _id');
    const index =
      before === undefined ? segment.rules.length : segment.rules.findIndex((r) => r._id === before);
    if (index < 0) fail(`${at}/beforeRuleId`, `no rule with _id "${before}"`);
    segment.rules.splice(index, 0, rule);
  },
  // LaunchDarkly: removing a rule that does not exist does nothing.
  removeRule: (segment, i, { at }) => {
    segment.rules = withoutRule(segment.rules, i, at);
  },
  reorderRules: (segment, i, { at }) => {
    segment.rules = reordered(segment.rules, i, at);
  },
  updateRuleRolloutAndContextKind: (segment, i, { at }) => {
    const rule = ruleOf(segment.rules, i, at);
    // LaunchDarkly's own example sends the weight as a string of digits.
    const raw = typeof i.weight === 'string' && /^\d+$/.test(i.weight) ? Number(i.weight) : i.weight;
    const weight = field({ weight: raw }, 'weight', at, isWeight, 'a whole number from 0 to 100000');
    const kind = contextKind(i, 'contextKind', at);
    rule.weight = weight;
    if (kind !== undefined) rule.rolloutContextKind = kind;
  },
};

const settingHandlers: Record<string, Handler> = {
  updateName: (segment, i, { at }) => {
    segment.name = field(i, 'value', at, isString, 'a string');
  },
  updateDescription: (segment, i, { at }) => {
    segment.description = field(i, 'value', at, isString, 'a string');
  },
  addTags: (segment, i, { at }) => {
    segment.tags = editTags(segment.tags, i, at, true);
  },
  removeTags: (segment, i, { at }) => {
    segment.tags = editTags(segment.tags, i, at, false);
  },
};

const handlers: Record<string, Handler> = { ...targetHandlers, ...ruleHandlers, ...settingHandlers };

export const segmentInstructionKinds = Object.keys(handlers);

/**
 * Applies the instructions to a copy of the segment of environment `envKey`. LaunchDarkly asks
 * for `environmentKey` in the body although the path names it: when given, it must agree.
 */
export function applySegmentSemanticPatch(
  segment: SegmentDoc,
  patch: SemanticPatch,
  envKey: string,
  newId: () => string,
): SegmentDoc {
  if (patch.environmentKey !== undefined && patch.environmentKey !== envKey)
    fail('/environmentKey', `must be "${envKey}", the environment in the path`);
  const copy = structuredClone(segment);
  patch.instructions.forEach((instruction, index) => {
    const at = `/instructions/${index}`;
    const handler = Object.hasOwn(handlers, instruction.kind) ? handlers[instruction.kind] : undefined;
    if (handler === undefined)
      fail(
        `${at}/kind`,
        `unknown instruction "${instruction.kind}"; supported: ${segmentInstructionKinds.join(', ')}`,
      );
    handler(copy, instruction, { at, newId });
  });
  return copy;
}
