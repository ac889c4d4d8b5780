import { type Static, Type } from '@sinclair/typebox';
import type { DocumentStore } from '../../db/document-store.js';
import { Id, Key, Links, Name } from '../../http/common-schemas.js';
import type { Statement } from '../../policy/policy-statement.js';
import type { FieldRule } from '../audit/field-rule.js';

const Strict = { additionalProperties: false } as const;
const NonEmptyStrings = Type.Array(Type.String(), { minItems: 1 });

/** A statement as stored, after `validatePolicy` has proved its grammar (one of each pair, …). */
export const PolicyStatementSchema = Type.Object(
  {
    effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    resources: Type.Optional(NonEmptyStrings),
    notResources: Type.Optional(NonEmptyStrings),
    actions: Type.Optional(NonEmptyStrings),
    notActions: Type.Optional(NonEmptyStrings),
  },
  { ...Strict, description: 'Exactly one of resources / notResources and one of actions / notActions' },
);
export type PolicyStatement = Static<typeof PolicyStatementSchema>;

const maxStatements = 100;

/**
 * What a client sends as a policy. Deliberately loose: the policy engine checks the grammar and
 * names the pointer of each problem with a hint ("did you mean …"), which a schema error cannot.
 */
export const PolicyInputSchema = Type.Array(
  Type.Unknown({ description: '{"effect", "resources" | "notResources", "actions" | "notActions"}' }),
  { maxItems: maxStatements },
);

const BasePermissions = Type.Union([Type.Literal('reader'), Type.Literal('no_access')], {
  description: 'What members with this role may do beyond the policy',
});
const Description = Type.String({ maxLength: 4096 });

export const RoleDocSchema = Type.Object(
  {
    name: Name,
    description: Description,
    policy: Type.Array(PolicyStatementSchema, { maxItems: maxStatements }),
    basePermissions: Type.Optional(BasePermissions),
  },
  Strict,
);
export type RoleDoc = Static<typeof RoleDocSchema>;

/** Custom roles, scope `''` (see stores.ts). */
export type RoleStore = DocumentStore<RoleDoc>;

export const RolePostSchema = Type.Object(
  {
    key: Key,
    name: Name,
    description: Type.Optional(Description),
    policy: PolicyInputSchema,
    basePermissions: Type.Optional(BasePermissions),
  },
  Strict,
);
export type RolePost = Static<typeof RolePostSchema>;

const PolicyWarning = Type.Object({ pointer: Type.String(), message: Type.String() });

export const RoleSchema = Type.Object({
  _id: Id,
  key: Key,
  _version: Type.Integer(),
  _links: Links,
  ...RoleDocSchema.properties,
  _warnings: Type.Optional(
    Type.Array(PolicyWarning, {
      description:
        'Switchboard: problems that leave the policy usable but probably not as meant, such as an ' +
        'unknown action name. Only in the response to the change that introduced them.',
    }),
  ),
});
export type Role = Static<typeof RoleSchema>;

export const roleFieldRules: Record<string, FieldRule> = {
  name: { action: 'updateName', label: 'the name' },
  description: { action: 'updateDescription', label: 'the description' },
  policy: { action: 'updatePolicy', label: 'the policy' },
  // The catalog has no action of its own for it, and it widens what the role grants, as a policy does.
  basePermissions: { action: 'updatePolicy', label: 'the base permissions' },
};

/** Copies a validated statement into its stored form (plain mutable arrays, no absent keys). */
export function toPolicyStatement(statement: Statement): PolicyStatement {
  return {
    effect: statement.effect,
    ...(statement.resources !== undefined
      ? { resources: [...statement.resources] }
      : { notResources: [...statement.notResources] }),
    ...(statement.actions !== undefined
      ? { actions: [...statement.actions] }
      : { notActions: [...statement.notActions] }),
  };
}
