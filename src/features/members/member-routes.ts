import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { collection, errorResponses, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { pageLinks, paging, pagingSchema } from '../../http/list-query.js';
import type { TypedApp } from '../../http/typed-app.js';
import { parsePatchBody } from '../../shared/json-patch.js';
import { principalOf } from '../access/principal.js';
import type { Invitations } from './invitations.js';
import { memberPageRule } from './member-list.js';
import { MemberPostSchema, MemberSchema } from './member-model.js';
import type { MemberService } from './member-service.js';

/** Starts a browser session for a member who just accepted their invitation. */
export type SignInAfterAccept = (reply: FastifyReply, memberId: string) => Promise<void>;

const tags = ['Team members'];
const Params = Type.Object({ id: Type.String() });
const self = { href: '/api/v2/members', type: 'application/json' };

export function memberRoutes(service: MemberService, invitations: Invitations, signIn: SignInAfterAccept) {
  return (app: TypedApp): void => {
    app.get(
      '/members',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'List members, a page at a time',
          description:
            '`filter`: query (email or name), role (a|b: built-in or custom role; owner counts as ' +
            'admin), id (a|b), email (a|b), lastSeen ({"never": true}, {"noData": true} or ' +
            '{"before": ms}); team, noteam and accessCheck are refused. `sort`: displayName, ' +
            'lastSeen (- for descending).',
          querystring: Type.Object(
            {
              ...pagingSchema(memberPageRule, 'members'),
              filter: Type.Optional(Type.String({ description: 'Comma-separated field:value filters' })),
              sort: Type.Optional(Type.String({ description: 'displayName or lastSeen; - for descending' })),
              expand: Type.Optional(
                Type.String({ description: 'customRoles (always included); roleAttributes is refused' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: collection(MemberSchema), ...errorResponses },
        },
      },
      async (request) => {
        const page = paging(request.query, memberPageRule);
        const { items, totalCount } = await service.list({ ...request.query, ...page });
        return { items, totalCount, _links: pageLinks(request.url, { ...page, totalCount }) };
      },
    );

    app.post(
      '/members',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          tags,
          summary: 'Invite members (an array, all or nothing, at most 50)',
          body: Type.Array(MemberPostSchema, { minItems: 1, maxItems: 50 }),
          response: {
            201: collection(Type.Object({ ...MemberSchema.properties, _inviteUrl: Type.String() })),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        // The link goes back to the inviter only, so it may follow the Host they came by.
        const items = await service.invite(principalOf(request).actor, request.body, request);
        return reply.status(201).send({ items, totalCount: items.length, _links: { self } });
      },
    );

    app.post(
      '/invitations/accept',
      {
        config: { access: { reads: 'public' } },
        schema: {
          tags,
          summary: 'Ours: accept an invitation link — set a password and sign in',
          body: Type.Object(
            {
              token: Type.String({ minLength: 1, maxLength: 256 }),
              password: Type.String({ minLength: 8, maxLength: 1024 }),
              firstName: Type.Optional(Type.String({ maxLength: 256 })),
              lastName: Type.Optional(Type.String({ maxLength: 256 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: MemberSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { token, password, ...names } = request.body;
        const memberId = await invitations.accept(token, password, names);
        await signIn(reply, memberId);
        return service.get(memberId);
      },
    );

    app.get(
      '/members/me',
      {
        config: { access: { reads: 'self' } },
        schema: {
          tags,
          summary: 'Get the member making the request (its token’s member, or the signed-in one)',
          response: { 200: MemberSchema, ...errorResponses },
        },
      },
      async (request) => service.get(principalOf(request).memberId),
    );

    app.get(
      '/members/:id',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'Get a member',
          params: Params,
          response: { 200: MemberSchema, ...errorResponses },
        },
      },
      async (request) => service.get(request.params.id),
    );

    app.patch(
      '/members/:id',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          tags,
          summary: 'Update a member’s role or custom roles (JSON Patch)',
          params: Params,
          body: PatchBody,
          response: { 200: MemberSchema, ...errorResponses },
        },
      },
      async (request) =>
        service.update(principalOf(request).actor, request.params.id, parsePatchBody(request.body)),
    );

    app.delete(
      '/members/:id',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          tags,
          summary: 'Remove a member and their tokens',
          params: Params,
          response: noContentResponses,
        },
      },
      async (request, reply) => {
        await service.delete(principalOf(request).actor, request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
