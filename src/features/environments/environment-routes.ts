import { type Static, Type } from '@sinclair/typebox';
import { collection, errorResponses, Key, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { pageLinks, paging, pagingSchema } from '../../http/list-query.js';
import type { TypedApp } from '../../http/typed-app.js';
import { checkSchema } from '../../shared/check-schema.js';
import { parsePatchBody } from '../../shared/json-patch.js';
import { patchContentTypes } from '../../shared/merge-patch.js';
import { principalOf } from '../access/principal.js';
import { environmentPageRule } from './environment-list.js';
import {
  EnvironmentPostSchema,
  EnvironmentSchema,
  KeyResetBodySchema,
  KeyResetQuerySchema,
} from './environment-model.js';
import type { EnvironmentService } from './environment-service.js';

const tags = ['Environments'];
const ProjectParams = Type.Object({ projectKey: Key });
const Params = Type.Object({ projectKey: Key, envKey: Key });

export function environmentRoutes(service: EnvironmentService) {
  return (app: TypedApp): void => {
    app.get(
      '/projects/:projectKey/environments',
      {
        config: { access: { reads: 'project' } },
        schema: {
          tags,
          summary: 'List environments, a page at a time',
          description:
            '`filter`: query (name or key), tags (a+b: all). `sort`: createdOn, critical, name (- for descending).',
          params: ProjectParams,
          querystring: Type.Object(
            {
              ...pagingSchema(environmentPageRule, 'environments'),
              filter: Type.Optional(Type.String({ description: 'Comma-separated field:value filters' })),
              sort: Type.Optional(
                Type.String({ description: 'createdOn, critical or name; - for descending' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: collection(EnvironmentSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey } = request.params;
        const page = paging(request.query, environmentPageRule);
        const { items, totalCount } = await service.list(principalOf(request).actor, projectKey, {
          ...request.query,
          ...page,
        });
        return { items, totalCount, _links: pageLinks(request.url, { ...page, totalCount }) };
      },
    );

    app.post(
      '/projects/:projectKey/environments',
      {
        config: { access: { reads: 'project', writes: 'change' } },
        schema: {
          tags,
          summary: 'Create an environment',
          params: ProjectParams,
          body: EnvironmentPostSchema,
          response: { 201: EnvironmentSchema, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await service.create(principalOf(request).actor, request.params.projectKey, request.body)),
    );

    app.get(
      '/projects/:projectKey/environments/:envKey',
      {
        config: { access: { reads: 'project' } },
        schema: {
          tags,
          summary: 'Get an environment',
          params: Params,
          response: { 200: EnvironmentSchema, ...errorResponses },
        },
      },
      async (request) =>
        service.get(principalOf(request).actor, request.params.projectKey, request.params.envKey),
    );

    app.patch(
      '/projects/:projectKey/environments/:envKey',
      {
        config: { access: { reads: 'project', writes: 'change' } },
        schema: {
          consumes: patchContentTypes,
          tags,
          summary:
            'Update an environment: JSON Patch, or JSON merge patch ({"merge"} or application/merge-patch+json)',
          params: Params,
          body: PatchBody,
          response: { 200: EnvironmentSchema, ...errorResponses },
        },
      },
      async (request) =>
        service.update(
          principalOf(request).actor,
          request.params.projectKey,
          request.params.envKey,
          parsePatchBody(request.body, { merge: true }),
        ),
    );

    for (const [path, kind, summary] of [
      ['apiKey', 'server', 'Reset the environment SDK key'],
      ['mobileKey', 'mobile', 'Reset the environment mobile key'],
    ] as const) {
      app.post(
        `/projects/:projectKey/environments/:envKey/${path}`,
        {
          config: { access: { reads: 'project', writes: 'change' } },
          schema: {
            tags,
            summary,
            description:
              'A new key; the old one works until `expiry` (epoch ms, in the body or the query string) and stops at once without it. The answer shows the new key only with viewSdkKey.',
            params: Params,
            querystring: KeyResetQuerySchema,
            // Checked in the handler: the body may be absent, and Ajv's errors for "absent or
            // an object" name the union, not the field.
            body: Type.Unknown({ description: 'Optional: {"expiry": <epoch ms>}' }),
            response: { 200: EnvironmentSchema, ...errorResponses },
          },
        },
        async (request) => {
          const body = request.body ?? {};
          checkSchema(KeyResetBodySchema, body);
          return service.resetKey(
            principalOf(request).actor,
            request.params.projectKey,
            request.params.envKey,
            kind,
            (body as Static<typeof KeyResetBodySchema>).expiry ?? request.query.expiry,
          );
        },
      );
    }

    app.delete(
      '/projects/:projectKey/environments/:envKey',
      {
        config: { access: { reads: 'project', writes: 'change' } },
        schema: { tags, summary: 'Delete an environment', params: Params, response: noContentResponses },
      },
      async (request, reply) => {
        await service.delete(principalOf(request).actor, request.params.projectKey, request.params.envKey);
        return reply.status(204).send(null);
      },
    );
  };
}
