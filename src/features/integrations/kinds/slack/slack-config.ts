import { type Static, Type } from '@sinclair/typebox';
import { TemplateField as Template } from '../../integration-model.js';

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
