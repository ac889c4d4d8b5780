import { Type } from '@sinclair/typebox';
import { Comment, errorResponses, Key } from '../../http/common-schemas.js';
import type { TypedApp } from '../../http/typed-app.js';
import { principalOf } from '../access/principal.js';
import { copyActions } from './flag-copy.js';
import type { FlagCopies } from './flag-copy-service.js';
import { FlagSchema } from './flag-model.js';

const CopyEnd = Type.Object(
  {
    key: Key,
    currentVersion: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: "The flag's version in that environment; a different one is a 409 (optimistic lock)",
      }),
    ),
  },
  { additionalProperties: false },
);

const Actions = Type.Array(Type.Union(copyActions.map((a) => Type.Literal(a))), { uniqueItems: true });

export const FlagCopyBodySchema = Type.Object(
  {
    source: CopyEnd,
    target: CopyEnd,
    comment: Type.Optional(Comment),
    includedActions: Type.Optional(Actions),
    excludedActions: Type.Optional(Actions),
  },
  { additionalProperties: false },
);

/** LaunchDarkly's copy of a flag's configuration between two environments of its project. */
export function flagCopyRoutes(copies: FlagCopies) {
  return (app: TypedApp): void => {
    app.post(
      '/flags/:projectKey/:flagKey/copy',
      {
        config: { access: { reads: 'project', writes: 'change' } },
        schema: {
          tags: ['Feature flags'],
          summary: "Copy a flag's configuration from one environment to another",
          description:
            'Copies the whole configuration (on/off, targets, rules, default rule, off variation, ' +
            'prerequisites, event tracking), or only the parts named by includedActions, or all but ' +
            'those named by excludedActions. Audited as copyFlagConfigTo on the source and ' +
            'copyFlagConfigFrom on the target: both rights are needed.',
          params: Type.Object({ projectKey: Key, flagKey: Key }),
          body: FlagCopyBodySchema,
          response: { 201: FlagSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { projectKey, flagKey } = request.params;
        const flag = await copies.copy(principalOf(request).actor, projectKey, flagKey, request.body);
        return reply.status(201).send(flag);
      },
    );
  };
}
