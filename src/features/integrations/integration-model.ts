import { type Static, Type } from '@sinclair/typebox';
import { Id, Links, Tags } from '../../http/common-schemas.js';

/** What the API shows instead of a stored secret; sending it back means "keep the stored one". */
export const secretMask = '********';

const Statement = Type.Record(Type.String(), Type.Unknown(), { description: 'A policy statement' });
const Statements = Type.Array(Statement, {
  maxItems: 100,
  description: 'Policy filter in the custom-roles syntax; absent or empty means every change',
});

const HipChatConfigFields = {
  room: Type.String({ minLength: 1, maxLength: 100, description: 'Room ID or name' }),
  server: Type.Optional(
    Type.String({
      maxLength: 2048,
      description: 'HipChat Server / Data Center base URL; default from SWITCHBOARD_HIPCHAT_URL',
    }),
  ),
  notify: Type.Boolean({ description: 'Whether the message makes the room notify its members' }),
};

export const HipChatConfigPostSchema = Type.Object(
  {
    ...HipChatConfigFields,
    token: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'Room notification token (Send Notification scope); write-only',
    }),
    notify: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const HipChatConfigSchema = Type.Object(
  { ...HipChatConfigFields, token: Type.String({ description: 'Always masked' }) },
  { additionalProperties: false },
);

/** Stored: the token lives sealed in the row's `secret` column, never in the document. */
export const IntegrationDocSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    on: Type.Boolean(),
    config: Type.Object(HipChatConfigFields, { additionalProperties: false }),
    statements: Statements,
    tags: Tags,
    creationDate: Type.Integer(),
  },
  { additionalProperties: false },
);
export type IntegrationDoc = Static<typeof IntegrationDocSchema>;

export const IntegrationPostSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    on: Type.Optional(Type.Boolean()),
    config: HipChatConfigPostSchema,
    statements: Type.Optional(Statements),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
export type IntegrationPost = Static<typeof IntegrationPostSchema>;

export const IntegrationErrorSchema = Type.Object({
  statusCode: Type.Optional(Type.Integer()),
  responseBody: Type.String(),
  timestamp: Type.Integer(),
});

export const IntegrationStatusSchema = Type.Object({
  successCount: Type.Integer(),
  lastSuccess: Type.Optional(Type.Integer()),
  errorCount: Type.Integer(),
  lastError: Type.Optional(Type.Integer()),
  errors: Type.Array(IntegrationErrorSchema),
  /** Ours: why the integration is marked in error (token rejected, room not found, …). */
  errored: Type.Optional(Type.Object({ reason: Type.String(), since: Type.Integer() })),
  pending: Type.Integer({ description: 'Deliveries waiting to be sent' }),
});
export type IntegrationStatus = Static<typeof IntegrationStatusSchema>;

export const IntegrationSchema = Type.Object({
  _id: Id,
  _links: Links,
  _version: Type.Integer(),
  kind: Type.String(),
  name: Type.String(),
  on: Type.Boolean(),
  config: HipChatConfigSchema,
  statements: Statements,
  tags: Tags,
  creationDate: Type.Integer(),
  _status: IntegrationStatusSchema,
});
export type Integration = Static<typeof IntegrationSchema>;

export const supportedIntegrationKinds = ['hipchat'] as const;
export type IntegrationKind = (typeof supportedIntegrationKinds)[number];
