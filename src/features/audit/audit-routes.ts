import { type Static, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { NotFoundError } from '../../errors/app-errors.js';
import { errorResponses, Links } from '../../http/common-schemas.js';
import type { TypedApp } from '../../http/typed-app.js';
import { principalOf } from '../access/principal.js';
import { canViewEntry } from '../access/view-rules.js';
import type { TaggedAccess } from './audit-model.js';
import type { AuditService } from './audit-service.js';

const tags = ['Audit log'];

const Access = Type.Object({ action: Type.String(), resource: Type.String() });
const Person = Type.Object({
  _id: Type.String(),
  email: Type.String(),
  firstName: Type.Optional(Type.String()),
  lastName: Type.Optional(Type.String()),
});
const entryFields = {
  _id: Type.String(),
  _accountId: Type.String(),
  _links: Links,
  date: Type.Integer(),
  kind: Type.String(),
  name: Type.String(),
  accesses: Type.Array(Access),
  titleVerb: Type.String(),
  title: Type.String(),
  description: Type.String(),
  shortDescription: Type.String(),
  comment: Type.Optional(Type.String()),
  member: Type.Optional(Person),
  token: Type.Optional(Type.Object({ _id: Type.String(), name: Type.String(), ending: Type.String() })),
  target: Type.Object({ name: Type.String(), resources: Type.Array(Type.String()) }),
  parent: Type.Optional(Type.Object({ name: Type.String(), resource: Type.String() })),
};
const AuditEntrySchema = Type.Object(entryFields);
const AuditEntryDetailSchema = Type.Object({
  ...entryFields,
  previousVersion: Type.Optional(Type.Unknown()),
  currentVersion: Type.Optional(Type.Unknown()),
  delta: Type.Optional(Type.Unknown()),
});
const AuditPage = Type.Object({ items: Type.Array(AuditEntrySchema), _links: Links });

const Query = Type.Object(
  {
    before: Type.Optional(Type.Integer({ description: 'Only entries before this date (epoch ms)' })),
    after: Type.Optional(Type.Integer({ description: 'Only entries after this date (epoch ms)' })),
    q: Type.Optional(
      Type.String({ maxLength: 256, description: 'Search names, member emails and comments' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 10 })),
    spec: Type.Optional(
      Type.String({ maxLength: 1024, description: 'Resource specifier, e.g. proj/*:env/production:flag/*' }),
    ),
    cursor: Type.Optional(Type.Integer({ description: 'Opaque: continue from the previous page' })),
  },
  { additionalProperties: false },
);

export function auditRoutes(service: AuditService) {
  return (app: TypedApp): void => {
    const visibleTo = (request: FastifyRequest) => {
      const principal = principalOf(request);
      return (accesses: readonly TaggedAccess[]) => canViewEntry(principal, accesses);
    };
    const listPage = async (request: FastifyRequest, query: Static<typeof Query>, statements: unknown) => {
      const limit = query.limit ?? 10;
      const page = await service.list({ ...query, limit, statements, visible: visibleTo(request) });
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries({ ...query, limit })) {
        if (value !== undefined && name !== 'cursor') params.set(name, String(value));
      }
      const links: Record<string, { href: string; type: string }> = {
        self: { href: `/api/v2/auditlog?${params.toString()}`, type: 'application/json' },
      };
      if (page.nextCursor !== undefined) {
        params.set('cursor', String(page.nextCursor));
        // With statements the next page is a POST with the same body to this address.
        links.next = { href: `/api/v2/auditlog?${params.toString()}`, type: 'application/json' };
      }
      return { items: page.items, _links: links };
    };

    app.get(
      '/auditlog',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'List audit log entries, newest first',
          querystring: Query,
          response: { 200: AuditPage, ...errorResponses },
        },
      },
      async (request) => listPage(request, request.query, undefined),
    );

    app.post(
      '/auditlog',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'List audit log entries matching policy statements, newest first',
          description:
            'The body is a policy (array of statements); an entry matches when the policy allows one of its accesses.',
          querystring: Query,
          body: Type.Array(Type.Unknown(), { maxItems: 100 }),
          response: { 200: AuditPage, ...errorResponses },
        },
      },
      async (request) => listPage(request, request.query, request.body),
    );

    app.get(
      '/auditlog/:id',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'Get an audit log entry with the before and after versions',
          params: Type.Object({ id: Type.String() }),
          response: { 200: AuditEntryDetailSchema, ...errorResponses },
        },
      },
      async (request) => {
        // One the reader may not see is as absent as one that never existed.
        const entry = await service.get(request.params.id, visibleTo(request));
        if (entry === undefined) throw new NotFoundError(`Audit entry "${request.params.id}" not found`);
        return entry;
      },
    );
  };
}
