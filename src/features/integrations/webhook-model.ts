import { type Static, Type } from '@sinclair/typebox';
import { Id, Links, Tags } from '../../http/common-schemas.js';
import { IntegrationStatusSchema, Statements } from './integration-model.js';

export const WebhookPostSchema = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    secret: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Signing secret; generated when absent and sign is true',
      }),
    ),
    sign: Type.Optional(
      Type.Boolean({ description: 'Send X-LD-Signature and Standard Webhooks signatures' }),
    ),
    on: Type.Optional(Type.Boolean()),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    statements: Type.Optional(Statements),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
export type WebhookPost = Static<typeof WebhookPostSchema>;

export const WebhookSchema = Type.Object({
  _id: Id,
  _links: Links,
  _version: Type.Integer(),
  url: Type.String(),
  secret: Type.Optional(Type.String({ description: 'Only in the answer that created or generated it' })),
  sign: Type.Boolean(),
  on: Type.Boolean(),
  name: Type.String(),
  statements: Statements,
  tags: Tags,
  creationDate: Type.Integer(),
  _status: IntegrationStatusSchema,
});
export type Webhook = Static<typeof WebhookSchema>;
