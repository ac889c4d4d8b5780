import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/auth.js';
import { collection, errorResponses, Key, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { parsePatchBody } from '../../http/json-patch.js';
import type { TypedApp } from '../../http/typed-app.js';
import { MetricPostSchema, MetricSchema } from './metric-model.js';
import type { MetricService } from './metric-service.js';

const tags = ['Metrics'];
const ProjectParams = Type.Object({ projectKey: Key });
const Params = Type.Object({ projectKey: Key, metricKey: Key });

export function metricRoutes(service: MetricService) {
  return (app: TypedApp): void => {
    app.get(
      '/metrics/:projectKey',
      {
        schema: {
          tags,
          summary: 'List metrics',
          params: ProjectParams,
          response: { 200: collection(MetricSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey } = request.params;
        const items = await service.list(projectKey);
        return {
          items,
          totalCount: items.length,
          _links: { self: { href: `/api/v2/metrics/${projectKey}`, type: 'application/json' } },
        };
      },
    );

    app.post(
      '/metrics/:projectKey',
      {
        schema: {
          tags,
          summary: 'Create a metric',
          params: ProjectParams,
          body: MetricPostSchema,
          response: { 201: MetricSchema, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await service.create(principalOf(request).actor, request.params.projectKey, request.body)),
    );

    app.get(
      '/metrics/:projectKey/:metricKey',
      {
        schema: {
          tags,
          summary: 'Get a metric',
          params: Params,
          response: { 200: MetricSchema, ...errorResponses },
        },
      },
      async (request) => service.get(request.params.projectKey, request.params.metricKey),
    );

    app.patch(
      '/metrics/:projectKey/:metricKey',
      {
        schema: {
          tags,
          summary: 'Update a metric (JSON Patch)',
          params: Params,
          body: PatchBody,
          response: { 200: MetricSchema, ...errorResponses },
        },
      },
      async (request) =>
        service.update(
          principalOf(request).actor,
          request.params.projectKey,
          request.params.metricKey,
          parsePatchBody(request.body),
        ),
    );

    app.delete(
      '/metrics/:projectKey/:metricKey',
      { schema: { tags, summary: 'Delete a metric', params: Params, response: noContentResponses } },
      async (request, reply) => {
        await service.delete(principalOf(request).actor, request.params.projectKey, request.params.metricKey);
        return reply.status(204).send(null);
      },
    );
  };
}
