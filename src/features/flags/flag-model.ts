import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Key, Links, Name, Tags } from '../../http/common-schemas.js';

const VariationIndex = Type.Integer({ minimum: 0, maximum: 999 });
const Json = Type.Unknown({ description: 'Any JSON value' });
const Strict = { additionalProperties: false } as const;

/** Every clause operator LaunchDarkly defines, as the API accepts them. */
export const clauseOperators = [
  'in',
  'endsWith',
  'startsWith',
  'matches',
  'contains',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
  'before',
  'after',
  'segmentMatch',
  'semVerEqual',
  'semVerLessThan',
  'semVerGreaterThan',
] as const;

export const ClauseSchema = Type.Object(
  {
    _id: Type.Optional(Type.String()),
    attribute: Type.String({ minLength: 1, maxLength: 256 }),
    op: Type.Union(clauseOperators.map((op) => Type.Literal(op))),
    values: Type.Array(Json, { maxItems: 10_000 }),
    negate: Type.Boolean(),
    contextKind: Type.Optional(Type.String()),
  },
  Strict,
);
export type Clause = Static<typeof ClauseSchema>;

export const RolloutSchema = Type.Object(
  {
    variations: Type.Array(
      Type.Object(
        {
          variation: VariationIndex,
          weight: Type.Integer({ minimum: 0, maximum: 100_000 }),
          /** In an experiment: contexts served this variation are not counted in its results. */
          untracked: Type.Optional(Type.Boolean()),
        },
        Strict,
      ),
      { minItems: 1 },
    ),
    bucketBy: Type.Optional(Type.String()),
    contextKind: Type.Optional(Type.String()),
    kind: Type.Optional(Type.Union([Type.Literal('rollout'), Type.Literal('experiment')])),
    /** Replaces the flag key and salt in the bucketing hash, so buckets survive a key change. */
    seed: Type.Optional(Type.Integer()),
  },
  Strict,
);
export type Rollout = Static<typeof RolloutSchema>;

/** Exactly one of `variation` / `rollout` (checked by validateFlag, which names the pointer). */
export const VariationOrRolloutSchema = Type.Object(
  { variation: Type.Optional(VariationIndex), rollout: Type.Optional(RolloutSchema) },
  Strict,
);
export type VariationOrRollout = Static<typeof VariationOrRolloutSchema>;

export const RuleSchema = Type.Object(
  {
    _id: Type.String(),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    clauses: Type.Array(ClauseSchema, { maxItems: 100 }),
    variation: Type.Optional(VariationIndex),
    rollout: Type.Optional(RolloutSchema),
    trackEvents: Type.Boolean(),
  },
  Strict,
);
export type Rule = Static<typeof RuleSchema>;

export const TargetSchema = Type.Object(
  {
    values: Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 10_000 }),
    variation: VariationIndex,
    contextKind: Type.Optional(Type.String()),
  },
  Strict,
);
export type Target = Static<typeof TargetSchema>;

export const PrerequisiteSchema = Type.Object({ key: Key, variation: VariationIndex }, Strict);
export type Prerequisite = Static<typeof PrerequisiteSchema>;

/** Per-environment fields a person edits. */
const envEditable = {
  on: Type.Boolean(),
  offVariation: VariationIndex,
  fallthrough: VariationOrRolloutSchema,
  targets: Type.Array(TargetSchema, { maxItems: 1000 }),
  rules: Type.Array(RuleSchema, { maxItems: 5000 }),
  prerequisites: Type.Array(PrerequisiteSchema, { maxItems: 100 }),
  trackEvents: Type.Boolean(),
  trackEventsFallthrough: Type.Boolean(),
};

/** Server-owned per-environment fields. */
const envManaged = {
  salt: Type.String(),
  version: Type.Integer(),
  lastModified: Type.Integer(),
};

export const FlagEnvironmentDocSchema = Type.Object({ ...envEditable, ...envManaged }, Strict);
export type FlagEnvironmentDoc = Static<typeof FlagEnvironmentDocSchema>;

export const FlagEnvironmentSchema = Type.Object(
  {
    ...envEditable,
    ...envManaged,
    _environmentName: Type.String(),
    _site: Type.Object({ href: Type.String(), type: Type.String() }),
    /** The flag's own `archived`, shown in each environment as LaunchDarkly does. */
    archived: Type.Boolean(),
    /** A digest of this configuration (see flag-model-fields.ts). */
    sel: Type.String(),
  },
  Strict,
);
export type FlagEnvironment = Static<typeof FlagEnvironmentSchema>;

export const VariationSchema = Type.Object(
  {
    _id: Type.Optional(Type.String()),
    value: Json,
    name: Type.Optional(Type.String({ maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  Strict,
);
export type Variation = Static<typeof VariationSchema>;

const ClientSideAvailability = Type.Object(
  { usingMobileKey: Type.Boolean(), usingEnvironmentId: Type.Boolean() },
  Strict,
);

const Defaults = Type.Object({ onVariation: VariationIndex, offVariation: VariationIndex }, Strict);

const flagEditable = {
  name: Name,
  description: Type.String({ maxLength: 4096 }),
  kind: Type.Union([Type.Literal('boolean'), Type.Literal('multivariate')]),
  variations: Type.Array(VariationSchema, { minItems: 2, maxItems: 1000 }),
  tags: Tags,
  temporary: Type.Boolean(),
  archived: Type.Boolean(),
  maintainerId: Type.Optional(Type.String()),
  includeInSnippet: Type.Boolean(),
  clientSideAvailability: ClientSideAvailability,
  defaults: Defaults,
  customProperties: Type.Record(
    Type.String(),
    Type.Object({ name: Type.String(), value: Type.Array(Type.String()) }, Strict),
  ),
};

function flagShape<E extends TSchema>(env: E) {
  return { ...flagEditable, environments: Type.Record(Type.String(), env) };
}

/** What is stored: editable fields plus per-environment configurations. */
export const FlagDocSchema = Type.Object(
  { ...flagShape(FlagEnvironmentDocSchema), creationDate: Type.Integer() },
  Strict,
);
export type FlagDoc = Static<typeof FlagDocSchema>;

export const FlagSchema = Type.Object({
  key: Key,
  _version: Type.Integer(),
  _links: Links,
  creationDate: Type.Integer(),
  ...flagShape(FlagEnvironmentSchema),
  experiments: Type.Object({ baselineIdx: Type.Integer(), items: Type.Array(Type.Unknown()) }),
});
export type Flag = Static<typeof FlagSchema>;

export const FlagPostSchema = Type.Object(
  {
    key: Key,
    name: Name,
    description: Type.Optional(flagEditable.description),
    variations: Type.Optional(flagEditable.variations),
    tags: Type.Optional(Tags),
    temporary: Type.Optional(Type.Boolean()),
    maintainerId: Type.Optional(Type.String()),
    includeInSnippet: Type.Optional(Type.Boolean()),
    clientSideAvailability: Type.Optional(ClientSideAvailability),
    defaults: Type.Optional(Defaults),
    customProperties: Type.Optional(flagEditable.customProperties),
  },
  Strict,
);
export type FlagPost = Static<typeof FlagPostSchema>;
