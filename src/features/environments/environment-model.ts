import { type Static, Type } from '@sinclair/typebox';
import { Id, Key, Links, Name, Tags } from '../../http/common-schemas.js';
import type { FieldRule } from '../audit/field-rule.js';

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
  /** Marks an environment whose changes matter most (production); shown with a warning. */
  critical: Type.Boolean(),
};

/**
 * The stored document. The SDK keys live in their own table (see sdk-key-store.ts). `critical`
 * came later: a document without it is not critical (see environmentRepresentation).
 */
export const EnvironmentDocSchema = Type.Object(
  { ...EnvironmentFields, critical: Type.Optional(EnvironmentFields.critical) },
  { additionalProperties: false },
);
export type EnvironmentDoc = Static<typeof EnvironmentDocSchema>;

/** A document from before the keys moved out (migration 005), until start-up seals them. */
export type LegacyEnvironmentDoc = EnvironmentDoc & { apiKey?: string; mobileKey?: string };

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
    critical: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type EnvironmentPost = Static<typeof EnvironmentPostSchema>;

export const EnvironmentSchema = Type.Object(
  {
    _id: Id,
    _links: Links,
    key: Key,
    _version: Type.Integer(),
    ...EnvironmentFields,
    /** The server-side SDK key, `********` without `viewSdkKey`. */
    apiKey: Type.String(),
    /** The mobile key, `********` without `viewSdkKey`. */
    mobileKey: Type.String(),
  },
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
    critical: input.critical ?? false,
  };
}

export const defaultEnvironments: EnvironmentPost[] = [
  // Critical, as LaunchDarkly makes a new project's Production: the UI confirms each change there.
  { key: 'production', name: 'Production', color: '417505', critical: true },
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
  critical: { action: 'updateCritical', label: 'whether it is critical' },
};

/** Later dates than JavaScript can represent are refused rather than wrapped. */
const Expiry = Type.Integer({
  minimum: 0,
  maximum: 8_640_000_000_000_000,
  description: 'When the old key stops working, in epoch milliseconds; without it, at once',
});

/**
 * Resetting a key: LaunchDarkly's optional `expiry`, in the body (`{"expiry": …}`) or, as its
 * current API reference has it, in the query string.
 */
export const KeyResetBodySchema = Type.Object(
  { expiry: Type.Optional(Expiry) },
  { additionalProperties: false },
);
export const KeyResetQuerySchema = Type.Object(
  { expiry: Type.Optional(Expiry) },
  { additionalProperties: false },
);
