import { type Static, Type } from '@sinclair/typebox';
import { Id, Links } from '../../http/common-schemas.js';
import type { FieldRule } from '../audit/field-rule.js';
import { BuiltInRole } from '../members/member-model.js';

/** A policy statement as stored; its grammar is checked by the policy engine, not by this schema. */
export const StatementSchema = Type.Record(Type.String(), Type.Unknown());

export const TokenDocSchema = Type.Object(
  {
    ownerId: Id,
    memberId: Id,
    name: Type.String({ minLength: 1, maxLength: 256 }),
    description: Type.String({ maxLength: 1024 }),
    role: Type.Optional(BuiltInRole),
    customRoleIds: Type.Array(Type.String(), { maxItems: 50, uniqueItems: true }),
    inlineRole: Type.Array(StatementSchema, { maxItems: 100 }),
    serviceToken: Type.Boolean(),
    defaultApiVersion: Type.Integer(),
    token: Type.String({ description: 'Masked: only the last four characters' }),
    creationDate: Type.Integer(),
    lastUsed: Type.Integer(),
    /** When its name, rights or secret last changed; a token from before it has its creation date. */
    lastModified: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type TokenDoc = Static<typeof TokenDocSchema>;

export const TokenPostSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    role: Type.Optional(BuiltInRole),
    customRoleIds: Type.Optional(Type.Array(Type.String(), { maxItems: 50, uniqueItems: true })),
    inlineRole: Type.Optional(Type.Array(StatementSchema, { maxItems: 100 })),
    serviceToken: Type.Optional(Type.Boolean()),
    defaultApiVersion: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type TokenPost = Static<typeof TokenPostSchema>;

export const TokenSchema = Type.Object(
  {
    _id: Id,
    _links: Links,
    _version: Type.Integer(),
    ...TokenDocSchema.properties,
    lastModified: Type.Integer(),
  },
  {},
);
export type Token = Static<typeof TokenSchema>;

export const tokenFieldRules: Record<string, FieldRule> = {
  name: { action: 'updateAccessTokenName', label: 'the name' },
  // The catalog has no separate action for the description; it is part of the token's name.
  description: { action: 'updateAccessTokenName', label: 'the description' },
  role: { action: 'updateAccessTokenPolicy', label: 'the role' },
  customRoleIds: { action: 'updateAccessTokenPolicy', label: 'the custom roles' },
  inlineRole: { action: 'updateAccessTokenPolicy', label: 'the inline policy' },
};
