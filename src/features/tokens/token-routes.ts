import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../errors/app-errors.js';
import { collection, errorResponses, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { type PageRule, pageLinks, paging, pagingSchema } from '../../http/list-query.js';
import type { TypedApp } from '../../http/typed-app.js';
import { parsePatchBody } from '../../shared/json-patch.js';
import { principalOf } from '../access/principal.js';
import { TokenPostSchema, TokenSchema } from './token-model.js';
import { mayView, type TokenService } from './token-service.js';

const tags = ['Access tokens'];
/** LaunchDarkly documents 25 by default for tokens. */
const tokenPageRule: PageRule = { defaultLimit: 25, maxLimit: 100 };
const Params = Type.Object({ id: Type.String() });

export function tokenRoutes(service: TokenService) {
  return (app: TypedApp): void => {
    app.get(
      '/tokens',
      {
        config: { access: { reads: 'self' } },
        schema: {
          tags,
          summary: 'List access tokens (secrets masked), a page at a time',
          querystring: Type.Object(
            {
              showAll: Type.Optional(
                Type.Boolean({
                  description: 'Admins see every member’s tokens with or without it; others their own',
                }),
              ),
              ...pagingSchema(tokenPageRule, 'access tokens'),
            },
            { additionalProperties: false },
          ),
          response: { 200: collection(TokenSchema), ...errorResponses },
        },
      },
      async (request) => {
        const page = paging(request.query, tokenPageRule);
        // Admins see every token; everyone else their own.
        const { items, totalCount } = await service.list(principalOf(request).actor, page);
        return { items, totalCount, _links: pageLinks(request.url, { ...page, totalCount }) };
      },
    );

    app.post(
      '/tokens',
      {
        config: { access: { reads: 'self', writes: 'change' } },
        schema: {
          tags,
          summary: 'Create an access token; the response is the only place its secret appears',
          body: TokenPostSchema,
          response: { 201: TokenSchema, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await service.create(principalOf(request).actor, request.body)),
    );

    app.get(
      '/tokens/:id',
      {
        config: { access: { reads: 'self' } },
        schema: {
          tags,
          summary: 'Get an access token',
          params: Params,
          response: { 200: TokenSchema, ...errorResponses },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const token = await service.get(request.params.id);
        if (!mayView(principal.actor, token)) {
          throw new NotFoundError(`Access token "${request.params.id}" not found`);
        }
        return token;
      },
    );

    app.patch(
      '/tokens/:id',
      {
        config: { access: { reads: 'self', writes: 'change' } },
        schema: {
          tags,
          summary: 'Update an access token (JSON Patch)',
          params: Params,
          body: PatchBody,
          response: { 200: TokenSchema, ...errorResponses },
        },
      },
      async (request) =>
        service.update(principalOf(request).actor, request.params.id, parsePatchBody(request.body)),
    );

    app.post(
      '/tokens/:id/reset',
      {
        config: { access: { reads: 'self', writes: 'change' } },
        schema: {
          tags,
          summary: 'Reset the secret of an access token',
          params: Params,
          response: { 200: TokenSchema, ...errorResponses },
        },
      },
      async (request) => service.reset(principalOf(request).actor, request.params.id),
    );

    app.delete(
      '/tokens/:id',
      {
        config: { access: { reads: 'self', writes: 'change' } },
        schema: { tags, summary: 'Delete an access token', params: Params, response: noContentResponses },
      },
      async (request, reply) => {
        await service.delete(principalOf(request).actor, request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
