import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/auth.js';
import { collection, errorResponses, Key, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { parsePatchBody } from '../../http/json-patch.js';
import type { TypedApp } from '../../http/typed-app.js';
import { SegmentPostSchema, SegmentSchema } from './segment-model.js';
import type { SegmentService } from './segment-service.js';

const tags = ['Segments'];
const EnvParams = Type.Object({ projectKey: Key, envKey: Key });
const Params = Type.Object({ projectKey: Key, envKey: Key, segmentKey: Key });

export function segmentRoutes(service: SegmentService) {
  return (app: TypedApp): void => {
    app.get(
      '/segments/:projectKey/:envKey',
      {
        schema: {
          tags,
          summary: 'List segments',
          params: EnvParams,
          response: { 200: collection(SegmentSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey, envKey } = request.params;
        const items = await service.list(projectKey, envKey);
        return {
          items,
          totalCount: items.length,
          _links: { self: { href: `/api/v2/segments/${projectKey}/${envKey}`, type: 'application/json' } },
        };
      },
    );

    app.post(
      '/segments/:projectKey/:envKey',
      {
        schema: {
          tags,
          summary: 'Create a segment',
          params: EnvParams,
          body: SegmentPostSchema,
          response: { 201: SegmentSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { projectKey, envKey } = request.params;
        const segment = await service.create(principalOf(request).actor, projectKey, envKey, request.body);
        return reply.status(201).send(segment);
      },
    );

    app.get(
      '/segments/:projectKey/:envKey/:segmentKey',
      {
        schema: {
          tags,
          summary: 'Get a segment',
          params: Params,
          response: { 200: SegmentSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey, envKey, segmentKey } = request.params;
        return service.get(projectKey, envKey, segmentKey);
      },
    );

    app.patch(
      '/segments/:projectKey/:envKey/:segmentKey',
      {
        schema: {
          tags,
          summary: 'Update a segment (JSON Patch)',
          params: Params,
          body: PatchBody,
          response: { 200: SegmentSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey, envKey, segmentKey } = request.params;
        return service.update(
          principalOf(request).actor,
          projectKey,
          envKey,
          segmentKey,
          parsePatchBody(request.body),
        );
      },
    );

    app.delete(
      '/segments/:projectKey/:envKey/:segmentKey',
      { schema: { tags, summary: 'Delete a segment', params: Params, response: noContentResponses } },
      async (request, reply) => {
        const { projectKey, envKey, segmentKey } = request.params;
        await service.delete(principalOf(request).actor, projectKey, envKey, segmentKey);
        return reply.status(204).send(null);
      },
    );
  };
}
