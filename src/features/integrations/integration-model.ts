import { type Static, Type } from '@sinclair/typebox';
import { Id, Links, Tags } from '../../http/common-schemas.js';

/** What the API shows instead of a stored secret; sending it back means "keep the stored one". */
export const secretMask = '********';

const Statement = Type.Record(Type.String(), Type.Unknown(), { description: 'A policy statement' });
export const Statements = Type.Array(Statement, {
  maxItems: 100,
  description: 'Policy filter in the custom-roles syntax; absent or empty means every change',
});

/** The optional message template every chat kind's config has. */
export const TemplateField = Type.Optional(
  Type.String({
    maxLength: 20_000,
    description:
      'Ours: a Handlebars message template (LaunchDarkly integration-framework context); absent = the built-in message',
  }),
);

/** `self` and its delivery log, as every integration and webhook document links them. */
export function selfLinks(self: string): Static<typeof Links> {
  return {
    self: { href: self, type: 'application/json' },
    deliveries: { href: `${self}/deliveries`, type: 'application/json' },
  };
}

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
  /** Ours: the network error's class when nothing answered (timeout, dns, …). */
  errorClass: Type.Optional(Type.String()),
  /** Ours: the failure was a Test button message, not a delivery. */
  test: Type.Optional(Type.Boolean()),
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
