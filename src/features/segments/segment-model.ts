import { type Static, Type } from '@sinclair/typebox';
import { Key, Links, Name, Tags } from '../../http/common-schemas.js';
import type { FieldRule } from '../audit/field-rule.js';
import { ClauseSchema } from '../flags/flag-model.js';

const Strict = { additionalProperties: false } as const;

const ContextKeys = Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
  maxItems: 10_000,
  uniqueItems: true,
});
const Description = Type.String({ maxLength: 4096 });
const Weight = Type.Integer({
  minimum: 0,
  maximum: 100_000,
  description: 'Share of matching contexts included, in thousandths of a percent',
});

/** LaunchDarkly's rule for a context kind: letters, digits, `.`, `_`, `-`; never `kind` or `multi`. */
export const ContextKindSchema = Type.String({
  pattern: '^(?!(kind|multi)$)[A-Za-z0-9._-]+$',
  maxLength: 256,
});

/** Keys of contexts of one kind other than `user` (whose keys live in `included`/`excluded`). */
export const SegmentTargetSchema = Type.Object(
  { contextKind: ContextKindSchema, values: ContextKeys },
  Strict,
);
export type SegmentTarget = Static<typeof SegmentTargetSchema>;
const SegmentTargets = Type.Array(SegmentTargetSchema, { maxItems: 100 });

const ruleFields = {
  clauses: Type.Array(ClauseSchema, { maxItems: 100 }),
  weight: Type.Optional(Weight),
  bucketBy: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  /** The context kind whose `bucketBy` attribute places a context within `weight` (default `user`). */
  rolloutContextKind: Type.Optional(ContextKindSchema),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
};

export const SegmentRuleSchema = Type.Object({ _id: Type.String(), ...ruleFields }, Strict);
export type SegmentRule = Static<typeof SegmentRuleSchema>;

/** A rule as a client sends it: the server assigns `_id` when it is missing. */
export const SegmentRulePostSchema = Type.Object(
  { _id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), ...ruleFields },
  Strict,
);

const segmentEditable = {
  name: Name,
  description: Description,
  tags: Tags,
  included: ContextKeys,
  excluded: ContextKeys,
  // Optional so documents stored before context kinds came in stay valid.
  includedContexts: Type.Optional(SegmentTargets),
  excludedContexts: Type.Optional(SegmentTargets),
  rules: Type.Array(SegmentRuleSchema, { maxItems: 5000 }),
};

/** `lastModifiedDate` came later: a segment stored before it was last modified when created. */
export const SegmentDocSchema = Type.Object(
  { ...segmentEditable, creationDate: Type.Integer(), lastModifiedDate: Type.Optional(Type.Integer()) },
  Strict,
);
export type SegmentDoc = Static<typeof SegmentDocSchema>;

export const SegmentPostSchema = Type.Object(
  {
    key: Key,
    name: Name,
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
    included: Type.Optional(ContextKeys),
    excluded: Type.Optional(ContextKeys),
    includedContexts: Type.Optional(SegmentTargets),
    excludedContexts: Type.Optional(SegmentTargets),
    rules: Type.Optional(Type.Array(SegmentRulePostSchema, { maxItems: 5000 })),
    unbounded: Type.Optional(Type.Literal(false, { description: 'Big segments are not supported' })),
  },
  Strict,
);
export type SegmentPost = Static<typeof SegmentPostSchema>;

export const SegmentSchema = Type.Object({
  key: Key,
  _version: Type.Integer(),
  _links: Links,
  ...SegmentDocSchema.properties,
  unbounded: Type.Literal(false),
  /** The version SDKs see: the same as `_version`. */
  version: Type.Integer(),
  lastModifiedDate: Type.Integer(),
  /** A deleted segment is gone, never answered. */
  deleted: Type.Literal(false),
  /** Big segments are re-created by generation; every segment here is in its first. */
  generation: Type.Integer(),
});
export type Segment = Static<typeof SegmentSchema>;

/**
 * `rules` (per rule) and `includedContexts`/`excludedContexts` (per context kind) are described
 * in segment-rule-changes.ts, so they are not in this table.
 */
export const segmentFieldRules: Record<string, FieldRule> = {
  name: { action: 'updateName', label: 'the name' },
  description: { action: 'updateDescription', label: 'the description' },
  tags: { action: 'updateTags', label: 'the tags' },
  included: { action: 'updateIncluded', label: 'the included targets' },
  excluded: { action: 'updateExcluded', label: 'the excluded targets' },
};
