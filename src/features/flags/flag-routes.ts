import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/auth.js';
import { collection, errorResponses, Key, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { parsePatchBody } from '../../http/json-patch.js';
import type { TypedApp } from '../../http/typed-app.js';
import type { FlagCopies } from './flag-copy-service.js';
import { FlagPostSchema, FlagSchema } from './flag-model.js';
import {
  parseSemanticPatch,
  semanticInstructionKinds,
  semanticPatchContentType,
} from './flag-semantic-patch.js';
import type { FlagService } from './flag-service.js';

const tags = ['Feature flags'];
const ProjectParams = Type.Object({ projectKey: Key });
const Params = Type.Object({ projectKey: Key, flagKey: Key });
const EnvFilter = Type.Optional(
  Type.Array(Key, { description: 'Only include these environments (repeat, or comma-separate)' }),
);

function envList(env: readonly string[] | undefined): string[] | undefined {
  return env?.flatMap((e) => e.split(',')).filter((e) => e !== '');
}

export function flagRoutes(service: FlagService, copies: FlagCopies) {
  return (app: TypedApp): void => {
    app.get(
      '/flags/:projectKey',
      {
        schema: {
          tags,
          summary: 'List feature flags (archived ones only with archived=true)',
          params: ProjectParams,
          querystring: Type.Object(
            { env: EnvFilter, tag: Type.Optional(Type.String()), archived: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
          response: { 200: collection(FlagSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey } = request.params;
        const items = await service.list(projectKey, { ...request.query, env: envList(request.query.env) });
        return {
          items,
          totalCount: items.length,
          _links: { self: { href: `/api/v2/flags/${projectKey}`, type: 'application/json' } },
        };
      },
    );

    app.post(
      '/flags/:projectKey',
      {
        schema: {
          tags,
          summary: 'Create a feature flag (boolean unless variations say otherwise)',
          params: ProjectParams,
          querystring: Type.Object(
            {
              clone: Type.Optional({
                ...Key,
                description:
                  "The key of a flag to clone: the new flag gets its variations and its targeting in every environment (on/off included); the body's other fields replace the original's",
              }),
            },
            { additionalProperties: false },
          ),
          body: FlagPostSchema,
          response: { 201: FlagSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { actor } = principalOf(request);
        const { projectKey } = request.params;
        const { clone } = request.query;
        const flag =
          clone === undefined
            ? await service.create(actor, projectKey, request.body)
            : await copies.clone(actor, projectKey, clone, request.body);
        return reply.status(201).send(flag);
      },
    );

    app.get(
      '/flags/:projectKey/:flagKey',
      {
        schema: {
          tags,
          summary: 'Get a feature flag',
          params: Params,
          querystring: Type.Object({ env: EnvFilter }, { additionalProperties: false }),
          response: { 200: FlagSchema, ...errorResponses },
        },
      },
      async (request) =>
        service.get(request.params.projectKey, request.params.flagKey, envList(request.query.env)),
    );

    app.patch(
      '/flags/:projectKey/:flagKey',
      {
        schema: {
          tags,
          summary: 'Update a feature flag: JSON Patch, or semantic patch',
          description:
            'JSON Patch: a bare array or {"patch", "comment"}. Semantic patch: Content-Type ' +
            '`application/json; domain-model=launchdarkly.semanticpatch` with {"environmentKey", "comment", ' +
            `"instructions"}. Instructions: ${semanticInstructionKinds.join(', ')}.`,
          params: Params,
          body: PatchBody,
          response: { 200: FlagSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey, flagKey } = request.params;
        const actor = principalOf(request).actor;
        if (semanticPatchContentType.test(request.headers['content-type'] ?? '')) {
          return service.applyInstructions(actor, projectKey, flagKey, parseSemanticPatch(request.body));
        }
        return service.update(actor, projectKey, flagKey, parsePatchBody(request.body));
      },
    );

    app.delete(
      '/flags/:projectKey/:flagKey',
      { schema: { tags, summary: 'Delete a feature flag', params: Params, response: noContentResponses } },
      async (request, reply) => {
        await service.delete(principalOf(request).actor, request.params.projectKey, request.params.flagKey);
        return reply.status(204).send(null);
      },
    );
  };
}
