import { Type } from '@sinclair/typebox';
import { collection, errorResponses, Key, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { type PageRule, pageLinks, paging, pagingSchema } from '../../http/list-query.js';
import type { TypedApp } from '../../http/typed-app.js';
import { parsePatchBody } from '../../shared/json-patch.js';
import { patchContentTypes } from '../../shared/merge-patch.js';
import { principalOf } from '../access/principal.js';
import { RolePostSchema, RoleSchema } from './role-model.js';
import type { RoleService } from './role-service.js';

const tags = ['Custom roles'];
const rolePageRule: PageRule = { defaultLimit: 20, maxLimit: 100 };
const Params = Type.Object({ roleKey: { ...Key, description: "The role's key or its _id" } });

export function roleRoutes(service: RoleService) {
  return (app: TypedApp): void => {
    app.get(
      '/roles',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'List custom roles, a page at a time',
          querystring: Type.Object(
            { ...pagingSchema(rolePageRule, 'custom roles') },
            { additionalProperties: false },
          ),
          response: { 200: collection(RoleSchema), ...errorResponses },
        },
      },
      async (request) => {
        const page = paging(request.query, rolePageRule);
        const { items, totalCount } = await service.list(page);
        return { items, totalCount, _links: pageLinks(request.url, { ...page, totalCount }) };
      },
    );

    app.post(
      '/roles',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          tags,
          summary: 'Create a custom role',
          body: RolePostSchema,
          response: { 201: RoleSchema, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await service.create(principalOf(request).actor, request.body)),
    );

    app.get(
      '/roles/:roleKey',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'Get a custom role',
          params: Params,
          response: { 200: RoleSchema, ...errorResponses },
        },
      },
      async (request) => service.get(request.params.roleKey),
    );

    app.patch(
      '/roles/:roleKey',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          consumes: patchContentTypes,
          tags,
          summary:
            'Update a custom role: JSON Patch, or JSON merge patch ({"merge"} or application/merge-patch+json)',
          params: Params,
          body: PatchBody,
          response: { 200: RoleSchema, ...errorResponses },
        },
      },
      async (request) =>
        service.update(
          principalOf(request).actor,
          request.params.roleKey,
          parsePatchBody(request.body, { merge: true }),
        ),
    );

    app.delete(
      '/roles/:roleKey',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: { tags, summary: 'Delete a custom role', params: Params, response: noContentResponses },
      },
      async (request, reply) => {
        await service.delete(principalOf(request).actor, request.params.roleKey);
        return reply.status(204).send(null);
      },
    );
  };
}
