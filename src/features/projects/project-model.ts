import { type Static, Type } from '@sinclair/typebox';
import { Id, Key, Links, Name, Tags } from '../../http/common-schemas.js';
import type { FieldRule } from '../audit/field-rule.js';
import { EnvironmentPostSchema, EnvironmentSchema } from '../environments/environment-model.js';

const ClientSideAvailability = Type.Object(
  { usingMobileKey: Type.Boolean(), usingEnvironmentId: Type.Boolean() },
  { additionalProperties: false },
);

export const ProjectDocSchema = Type.Object(
  {
    name: Name,
    tags: Tags,
    includeInSnippetByDefault: Type.Boolean(),
    defaultClientSideAvailability: ClientSideAvailability,
  },
  { additionalProperties: false },
);
export type ProjectDoc = Static<typeof ProjectDocSchema>;

export const ProjectPostSchema = Type.Object(
  {
    key: Key,
    name: Name,
    tags: Type.Optional(Tags),
    includeInSnippetByDefault: Type.Optional(Type.Boolean()),
    defaultClientSideAvailability: Type.Optional(ClientSideAvailability),
    environments: Type.Optional(Type.Array(EnvironmentPostSchema, { minItems: 1, maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type ProjectPost = Static<typeof ProjectPostSchema>;

export const ProjectSchema = Type.Object(
  {
    _id: Id,
    _links: Links,
    key: Key,
    _version: Type.Integer(),
    ...ProjectDocSchema.properties,
    environments: Type.Array(EnvironmentSchema),
  },
  {},
);
export type Project = Static<typeof ProjectSchema>;

export const projectFieldRules: Record<string, FieldRule> = {
  name: { action: 'updateProjectName', label: 'the name' },
  tags: { action: 'updateTags', label: 'the tags' },
  includeInSnippetByDefault: {
    action: 'updateIncludeInSnippetByDefault',
    label: 'include in snippet by default',
  },
  defaultClientSideAvailability: {
    action: 'updateDefaultClientSideAvailability',
    label: 'the default client-side availability',
  },
};
