import { Type } from '@sinclair/typebox';
import { collection, errorResponses, Key, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { pageLinks, paging, pagingSchema } from '../../http/list-query.js';
import type { TypedApp } from '../../http/typed-app.js';
import { parsePatchBody } from '../../shared/json-patch.js';
import { patchContentTypes } from '../../shared/merge-patch.js';
import { principalOf } from '../access/principal.js';
import { canViewProject } from '../access/view-rules.js';
import { projectShownTo } from '../environments/sdk-keys.js';
import {
  ProjectExpandQuery,
  ProjectReadSchema,
  parseProjectExpand,
  projectAsRead,
} from './project-expand.js';
import { projectPageRule } from './project-list.js';
import { ProjectPostSchema, ProjectSchema } from './project-model.js';
import type { ProjectService } from './project-service.js';

const tags = ['Projects'];
const Params = Type.Object({ projectKey: Key });

export function projectRoutes(service: ProjectService) {
  return (app: TypedApp): void => {
    app.get(
      '/projects',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'List projects (their environments with expand=environments)',
          description:
            '`filter`: query (name or key), tags (a+b: all), keys (a|b: any). `sort`: name, createdOn ' +
            '(- for descending).',
          querystring: Type.Object(
            {
              expand: ProjectExpandQuery,
              ...pagingSchema(projectPageRule, 'projects'),
              filter: Type.Optional(Type.String({ description: 'Comma-separated field:value filters' })),
              sort: Type.Optional(Type.String({ description: 'name or createdOn, - for descending' })),
            },
            { additionalProperties: false },
          ),
          response: { 200: collection(ProjectReadSchema), ...errorResponses },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const expand = parseProjectExpand(request.query.expand);
        const page = paging(request.query, projectPageRule);
        const { items, totalCount } = await service.list({ ...request.query, ...page }, (p) =>
          canViewProject(principal, { key: p.key, tags: p.doc.tags }),
        );
        return {
          items: items.map((p) => projectAsRead(projectShownTo(principal.actor, p), expand)),
          totalCount,
          _links: pageLinks(request.url, { ...page, totalCount }),
        };
      },
    );

    app.post(
      '/projects',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          tags,
          summary: 'Create a project',
          body: ProjectPostSchema,
          response: { 201: ProjectSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { actor } = principalOf(request);
        return reply.status(201).send(projectShownTo(actor, await service.create(actor, request.body)));
      },
    );

    app.get(
      '/projects/:projectKey',
      {
        config: { access: { reads: 'project' } },
        schema: {
          tags,
          summary: 'Get a project (its environments with expand=environments)',
          params: Params,
          querystring: Type.Object({ expand: ProjectExpandQuery }, { additionalProperties: false }),
          response: { 200: ProjectReadSchema, ...errorResponses },
        },
      },
      async (request) => {
        const expand = parseProjectExpand(request.query.expand);
        const project = await service.get(request.params.projectKey);
        return projectAsRead(projectShownTo(principalOf(request).actor, project), expand);
      },
    );

    app.patch(
      '/projects/:projectKey',
      {
        config: { access: { reads: 'project', writes: 'change' } },
        schema: {
          consumes: patchContentTypes,
          tags,
          summary:
            'Update a project: JSON Patch, or JSON merge patch ({"merge"} or application/merge-patch+json)',
          params: Params,
          body: PatchBody,
          response: { 200: ProjectSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { actor } = principalOf(request);
        return projectShownTo(
          actor,
          await service.update(
            actor,
            request.params.projectKey,
            parsePatchBody(request.body, { merge: true }),
          ),
        );
      },
    );

    app.delete(
      '/projects/:projectKey',
      {
        config: { access: { reads: 'project', writes: 'change' } },
        schema: { tags, summary: 'Delete a project', params: Params, response: noContentResponses },
      },
      async (request, reply) => {
        await service.delete(principalOf(request).actor, request.params.projectKey);
        return reply.status(204).send(null);
      },
    );
  };
}
