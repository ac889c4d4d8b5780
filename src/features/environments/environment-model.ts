import { randomUUID } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { Id, Key, Links, Name, Tags } from '../../http/common-schemas.js';
import type { FieldRule } from '../audit/audit-builder.js';

const Color = Type.String({ pattern: '^[0-9A-Fa-f]{6}$', description: 'Hex colour without #' });

/** The fields a person edits; everything else is the server's. */
export const EnvironmentFields = {
  name: Name,
  color: Color,
  tags: Tags,
  defaultTtl: Type.Integer({ minimum: 0, maximum: 60 }),
  secureMode: Type.Boolean(),
  defaultTrackEvents: Type.Boolean(),
  requireComments: Type.Boolean(),
  confirmChanges: Type.Boolean(),
};

export const EnvironmentDocSchema = Type.Object(
  { ...EnvironmentFields, apiKey: Type.String(), mobileKey: Type.String() },
  { additionalProperties: false },
);
export type EnvironmentDoc = Static<typeof EnvironmentDocSchema>;

export const EnvironmentPostSchema = Type.Object(
  {
    key: Key,
    name: Name,
    color: Color,
    tags: Type.Optional(Tags),
    defaultTtl: Type.Optional(EnvironmentFields.defaultTtl),
    secureMode: Type.Optional(Type.Boolean()),
    defaultTrackEvents: Type.Optional(Type.Boolean()),
    requireComments: Type.Optional(Type.Boolean()),
    confirmChanges: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type EnvironmentPost = Static<typeof EnvironmentPostSchema>;

export const EnvironmentSchema = Type.Object(
  { _id: Id, _links: Links, key: Key, _version: Type.Integer(), ...EnvironmentDocSchema.properties },
  {},
);
export type Environment = Static<typeof EnvironmentSchema>;

export function newEnvironmentDoc(input: EnvironmentPost): EnvironmentDoc {
  return {
    name: input.name,
    color: input.color,
    tags: input.tags ?? [],
    defaultTtl: input.defaultTtl ?? 0,
    secureMode: input.secureMode ?? false,
    defaultTrackEvents: input.defaultTrackEvents ?? false,
    requireComments: input.requireComments ?? false,
    confirmChanges: input.confirmChanges ?? false,
    apiKey: `sdk-${randomUUID()}`,
    mobileKey: `mob-${randomUUID()}`,
  };
}

export const defaultEnvironments: EnvironmentPost[] = [
  { key: 'production', name: 'Production', color: '417505' },
  { key: 'test', name: 'Test', color: 'F5A623' },
];

export const environmentFieldRules: Record<string, FieldRule> = {
  name: { action: 'updateName', label: 'the name' },
  color: { action: 'updateColor', label: 'the color' },
  tags: { action: 'updateTags', label: 'the tags' },
  defaultTtl: { action: 'updateTtl', label: 'the default TTL' },
  secureMode: { action: 'updateSecureMode', label: 'secure mode' },
  defaultTrackEvents: { action: 'updateDefaultTrackEvents', label: 'default event tracking' },
  requireComments: { action: 'updateRequireComments', label: 'required comments' },
  confirmChanges: { action: 'updateConfirmChanges', label: 'change confirmation' },
};
