import { Type } from '@sinclair/typebox';
import { collection, errorResponses, Key, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { pageLinks, paging, pagingSchema } from '../../http/list-query.js';
import type { TypedApp } from '../../http/typed-app.js';
import { parsePatchBody } from '../../shared/json-patch.js';
import { principalOf } from '../access/principal.js';
import { parseSemanticPatch, semanticPatchContentType } from '../flags/flag-semantic-patch.js';
import { segmentPageRule } from './segment-list.js';
import { SegmentPostSchema, SegmentSchema } from './segment-model.js';
import { segmentInstructionKinds } from './segment-semantic-patch.js';
import type { SegmentService } from './segment-service.js';

const tags = ['Segments'];
const EnvParams = Type.Object({ projectKey: Key, envKey: Key });
const Params = Type.Object({ projectKey: Key, envKey: Key, segmentKey: Key });

export function segmentRoutes(service: SegmentService) {
  return (app: TypedApp): void => {
    app.get(
      '/segments/:projectKey/:envKey',
      {
        config: { access: { reads: 'project' } },
        schema: {
          tags,
          summary: 'List segments, a page at a time',
          description:
            '`filter` (field operator value, comma for AND): query equals "text" or ["a","b"], tags ' +
            'anyOf [...], includedKeys anyOf [...], excludedKeys anyOf [...], unbounded equals ' +
            'true|false, external exists true|false. OR (|) and parentheses are refused. `sort`: ' +
            'creationDate, name, lastModified (- for descending).',
          params: EnvParams,
          querystring: Type.Object(
            {
              ...pagingSchema(segmentPageRule, 'segments'),
              sort: Type.Optional(
                Type.String({ description: 'creationDate, name or lastModified; - for descending' }),
              ),
              filter: Type.Optional(
                Type.String({ description: 'Comma-separated "field operator value" filters' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: collection(SegmentSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey, envKey } = request.params;
        const page = paging(request.query, segmentPageRule);
        const { items, totalCount } = await service.list(projectKey, envKey, { ...request.query, ...page });
        return { items, totalCount, _links: pageLinks(request.url, { ...page, totalCount }) };
      },
    );

    app.post(
      '/segments/:projectKey/:envKey',
      {
        config: { access: { reads: 'project', writes: 'change' } },
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
        config: { access: { reads: 'project' } },
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
        config: { access: { reads: 'project', writes: 'change' } },
        schema: {
          tags,
          summary: 'Update a segment: JSON Patch, or semantic patch',
          description:
            'JSON Patch: a bare array or {"patch", "comment"}. Semantic patch: Content-Type ' +
            '`application/json; domain-model=launchdarkly.semanticpatch` with {"environmentKey", "comment", ' +
            `"instructions"}. Instructions: ${segmentInstructionKinds.join(', ')}.`,
          params: Params,
          body: PatchBody,
          response: { 200: SegmentSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey, envKey, segmentKey } = request.params;
        if (semanticPatchContentType.test(request.headers['content-type'] ?? '')) {
          const patch = parseSemanticPatch(request.body);
          return service.applyInstructions(principalOf(request).actor, projectKey, envKey, segmentKey, patch);
        }
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
      {
        config: { access: { reads: 'project', writes: 'change' } },
        schema: { tags, summary: 'Delete a segment', params: Params, response: noContentResponses },
      },
      async (request, reply) => {
        const { projectKey, envKey, segmentKey } = request.params;
        await service.delete(principalOf(request).actor, projectKey, envKey, segmentKey);
        return reply.status(204).send(null);
      },
    );
  };
}
