import { type Static, Type } from '@sinclair/typebox';
import { Id, Links } from '../../http/common-schemas.js';
import type { FieldRule } from '../audit/field-rule.js';

export const builtInRoles = ['reader', 'writer', 'admin', 'owner', 'no_access'] as const;
export const BuiltInRole = Type.Union(builtInRoles.map((r) => Type.Literal(r)));
export type BuiltInRole = (typeof builtInRoles)[number];

const Email = Type.String({ format: 'email', maxLength: 254 });
const PersonName = Type.String({ maxLength: 256 });

export const MemberDocSchema = Type.Object(
  {
    email: Email,
    firstName: PersonName,
    lastName: PersonName,
    role: BuiltInRole,
    customRoles: Type.Array(Type.String(), { maxItems: 50, uniqueItems: true }),
    _pendingInvite: Type.Boolean(),
    _lastSeen: Type.Integer(),
    creationDate: Type.Integer(),
  },
  { additionalProperties: false },
);
export type MemberDoc = Static<typeof MemberDocSchema>;

export const MemberPostSchema = Type.Object(
  {
    email: Email,
    firstName: Type.Optional(PersonName),
    lastName: Type.Optional(PersonName),
    role: Type.Optional(BuiltInRole),
    customRoles: Type.Optional(Type.Array(Type.String(), { maxItems: 50, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type MemberPost = Static<typeof MemberPostSchema>;

export const MemberSchema = Type.Object(
  {
    _id: Id,
    _links: Links,
    _version: Type.Integer(),
    ...MemberDocSchema.properties,
    /** The address is proven once the invitation is accepted (its link went to that address). */
    _verified: Type.Boolean(),
    /** Switchboard has no multi-factor sign-in: always `disabled`. */
    mfa: Type.String(),
  },
  {},
);
export type Member = Static<typeof MemberSchema>;

export const memberFieldRules: Record<string, FieldRule> = {
  role: { action: 'updateRole', label: 'the role' },
  customRoles: { action: 'updateCustomRole', label: 'the custom roles' },
};
