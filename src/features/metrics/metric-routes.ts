import { Type } from '@sinclair/typebox';
import { collection, errorResponses, Key, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { pageLinks, paging, pagingSchema } from '../../http/list-query.js';
import type { TypedApp } from '../../http/typed-app.js';
import { parsePatchBody } from '../../shared/json-patch.js';
import { principalOf } from '../access/principal.js';
import { metricPageRule } from './metric-list.js';
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
        config: { access: { reads: 'project' } },
        schema: {
          tags,
          summary: 'List metrics, a page at a time',
          description:
            '`filter` (field operator value, comma for AND): query equals "text" or ["a","b"], tags ' +
            'contains [...] (all of them), eventKind equals custom|pageview|click, isNumeric equals ' +
            'true|false, maintainerIds anyOf [...]; hasConnections, maintainerTeamKey and ' +
            'unitAggregationType are refused. `sort`: createdAt, name (- for descending).',
          params: ProjectParams,
          querystring: Type.Object(
            {
              ...pagingSchema(metricPageRule, 'metrics'),
              sort: Type.Optional(Type.String({ description: 'createdAt or name; - for descending' })),
              filter: Type.Optional(
                Type.String({ description: 'Comma-separated "field operator value" filters' }),
              ),
              expand: Type.Optional(
                Type.String({ description: 'experimentCount is refused: no experiments here' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: collection(MetricSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey } = request.params;
        const page = paging(request.query, metricPageRule);
        const { items, totalCount } = await service.list(projectKey, { ...request.query, ...page });
        return { items, totalCount, _links: pageLinks(request.url, { ...page, totalCount }) };
      },
    );

    app.post(
      '/metrics/:projectKey',
      {
        config: { access: { reads: 'project', writes: 'change' } },
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
        config: { access: { reads: 'project' } },
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
        config: { access: { reads: 'project', writes: 'change' } },
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
      {
        config: { access: { reads: 'project', writes: 'change' } },
        schema: { tags, summary: 'Delete a metric', params: Params, response: noContentResponses },
      },
      async (request, reply) => {
        await service.delete(principalOf(request).actor, request.params.projectKey, request.params.metricKey);
        return reply.status(204).send(null);
      },
    );
  };
}
