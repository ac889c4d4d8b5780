import { type Static, Type } from '@sinclair/typebox';
import { TemplateField as Template } from '../../integration-model.js';

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
