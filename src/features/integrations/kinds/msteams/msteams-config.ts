import { type Static, Type } from '@sinclair/typebox';
import { TemplateField as Template } from '../../integration-model.js';

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
