import { type Static, Type } from '@sinclair/typebox';

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
