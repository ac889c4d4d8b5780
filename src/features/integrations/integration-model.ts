import { type Static, Type } from '@sinclair/typebox';
import { Id, Links, Tags } from '../../http/common-schemas.js';

/** What the API shows instead of a stored secret; sending it back means "keep the stored one". */
export const secretMask = '********';

const Statement = Type.Record(Type.String(), Type.Unknown(), { description: 'A policy statement' });
export const Statements = Type.Array(Statement, {
  maxItems: 100,
  description: 'Policy filter in the custom-roles syntax; absent or empty means every change',
});

const Template = Type.Optional(
  Type.String({
    maxLength: 20_000,
    description:
      'Ours: a Handlebars message template (LaunchDarkly integration-framework context); absent = the built-in message',
  }),
);

const HipChatConfigFields = {
  room: Type.String({ minLength: 1, maxLength: 100, description: 'Room ID or name' }),
  server: Type.Optional(
    Type.String({
      maxLength: 2048,
      description: 'HipChat Server / Data Center base URL; default from SWITCHBOARD_HIPCHAT_URL',
    }),
  ),
  notify: Type.Boolean({ description: 'Whether the message makes the room notify its members' }),
  template: Template,
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
/** Stored: the token lives sealed in the row's `secret` column, never in the document. */
export const HipChatConfigStoredSchema = Type.Object(HipChatConfigFields, { additionalProperties: false });
export type HipChatConfig = Static<typeof HipChatConfigStoredSchema>;

export const SlackConfigPostSchema = Type.Object(
  {
    webhookUrl: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description:
          'Incoming-webhook URL (Slack, Mattermost, Rocket.Chat); write-only. Either this or token + channel',
      }),
    ),
    token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Bot token (xoxb-…) for chat.postMessage; write-only',
      }),
    ),
    channel: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Channel ID or #name (with token)' }),
    ),
    template: Template,
  },
  { additionalProperties: false },
);
export const SlackConfigStoredSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('webhook'), Type.Literal('bot')]),
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    template: Template,
  },
  { additionalProperties: false },
);
export type SlackConfig = Static<typeof SlackConfigStoredSchema>;

export const TeamsConfigPostSchema = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'Teams Workflows ("Post to a channel when a webhook request is received") URL; write-only',
    }),
    template: Template,
  },
  { additionalProperties: false },
);
export const TeamsConfigStoredSchema = Type.Object({ template: Template }, { additionalProperties: false });
export type TeamsConfig = Static<typeof TeamsConfigStoredSchema>;

/**
 * Webhooks (`/api/v2/webhooks`) live in the same table; their URL and signing secret are sealed
 * together in the row's secret (see webhook-secrets.ts). `url` is only in rows written before
 * URLs were sealed, until the start-up reseals them.
 */
export const WebhookConfigStoredSchema = Type.Object(
  { sign: Type.Boolean(), url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })) },
  { additionalProperties: false },
);
export type WebhookConfig = Static<typeof WebhookConfigStoredSchema>;

const ConfigRecord = Type.Record(Type.String(), Type.Unknown(), {
  description: "The kind's configuration; secrets are write-only and shown as ********",
});

/**
 * Stored document of every integration kind (and of webhooks). `config` is checked against the
 * kind's own stored schema by the kind's spec; secrets are never in the document.
 */
export const IntegrationDocSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    on: Type.Boolean(),
    config: ConfigRecord,
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
    config: ConfigRecord,
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
  config: ConfigRecord,
  statements: Statements,
  tags: Tags,
  creationDate: Type.Integer(),
  _status: IntegrationStatusSchema,
});
export type Integration = Static<typeof IntegrationSchema>;

export const supportedIntegrationKinds = ['hipchat', 'slack', 'msteams'] as const;
export type IntegrationKind = (typeof supportedIntegrationKinds)[number];
