import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../errors/app-errors.js';
import { principalOf } from '../../http/auth.js';
import {
  collection,
  errorResponses,
  Id,
  Links,
  noContentResponses,
  PatchBody,
} from '../../http/common-schemas.js';
import { parsePatchBody } from '../../http/json-patch.js';
import type { TypedApp } from '../../http/typed-app.js';
import type { DeliveryLog } from '../delivery/delivery-log.js';
import { IntegrationPostSchema, IntegrationSchema, supportedIntegrationKinds } from './integration-model.js';
import type { IntegrationService } from './integration-service.js';

const tags = ['Integrations'];
const KindParams = Type.Object({ integrationKey: Type.String() });
const Params = Type.Object({ integrationKey: Type.String(), id: Id });

const Attempt = Type.Object({
  attempt: Type.Integer(),
  at: Type.Integer(),
  outcome: Type.String(),
  statusCode: Type.Optional(Type.Integer()),
  latencyMs: Type.Integer(),
  errorClass: Type.Optional(Type.String()),
  responseExcerpt: Type.Optional(Type.String()),
});
const Delivery = Type.Object({
  _id: Type.Integer(),
  auditId: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  status: Type.String({
    description: 'pending, done, dead (gave up; re-sendable) or dropped (integration was off)',
  }),
  attempts: Type.Integer(),
  createdAt: Type.Integer(),
  nextAttemptAt: Type.Optional(Type.Integer()),
  finishedAt: Type.Optional(Type.Integer()),
  lastError: Type.Optional(Type.String()),
  attemptLog: Type.Array(Attempt),
});

function checkKind(kind: string): void {
  if (!(supportedIntegrationKinds as readonly string[]).includes(kind)) {
    throw new NotFoundError(
      `Integration "${kind}" is not available; supported: ${supportedIntegrationKinds.join(', ')}`,
    );
  }
}

/** Wakes the delivery worker after a re-send is queued. */
export type Wake = () => void;

export function integrationRoutes(service: IntegrationService, log: DeliveryLog, wake: Wake) {
  return (app: TypedApp): void => {
    app.get(
      '/integrations/:integrationKey',
      {
        schema: {
          tags,
          summary: 'List the subscriptions of an integration (e.g. hipchat)',
          params: KindParams,
          response: { 200: collection(IntegrationSchema), ...errorResponses },
        },
      },
      async (request) => {
        const kind = request.params.integrationKey;
        checkKind(kind);
        const items = await service.list(kind);
        return {
          items,
          totalCount: items.length,
          _links: { self: { href: `/api/v2/integrations/${kind}`, type: 'application/json' } },
        };
      },
    );

    app.post(
      '/integrations/:integrationKey',
      {
        schema: {
          tags,
          summary: 'Add a subscription: room, token, optional policy filter, on/off',
          params: KindParams,
          body: IntegrationPostSchema,
          response: { 201: IntegrationSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        checkKind(request.params.integrationKey);
        return reply
          .status(201)
          .send(
            await service.create(principalOf(request).actor, request.params.integrationKey, request.body),
          );
      },
    );

    app.post(
      '/integrations/:integrationKey/preview',
      {
        schema: {
          tags,
          summary: 'Ours: which of the last 100 audit entries a policy filter would have matched',
          params: KindParams,
          body: Type.Object(
            { statements: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 100 })) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(Type.Unknown()),
              totalCount: Type.Integer(),
              scanned: Type.Integer(),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        checkKind(request.params.integrationKey);
        const result = await service.preview(request.body.statements);
        return { items: result.items, totalCount: result.items.length, scanned: result.scanned };
      },
    );

    app.get(
      '/integrations/:integrationKey/:id',
      {
        schema: {
          tags,
          summary: 'Get a subscription',
          params: Params,
          response: { 200: IntegrationSchema, ...errorResponses },
        },
      },
      async (request) => service.get(request.params.integrationKey, request.params.id),
    );

    app.patch(
      '/integrations/:integrationKey/:id',
      {
        schema: {
          tags,
          summary:
            'Update a subscription (JSON Patch); [{"op":"replace","path":"/on","value":false}] switches it off',
          params: Params,
          body: PatchBody,
          response: { 200: IntegrationSchema, ...errorResponses },
        },
      },
      async (request) =>
        service.update(
          principalOf(request).actor,
          request.params.integrationKey,
          request.params.id,
          parsePatchBody(request.body),
        ),
    );

    app.delete(
      '/integrations/:integrationKey/:id',
      {
        schema: {
          tags,
          summary: 'Delete a subscription and its delivery log',
          params: Params,
          response: noContentResponses,
        },
      },
      async (request, reply) => {
        await service.delete(principalOf(request).actor, request.params.integrationKey, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/integrations/:integrationKey/:id/test',
      {
        schema: {
          tags,
          summary: 'Ours: send a test notification now and report the chat server’s answer',
          params: Params,
          response: {
            200: Type.Object({
              ok: Type.Boolean(),
              statusCode: Type.Optional(Type.Integer()),
              latencyMs: Type.Integer(),
              responseBody: Type.Optional(Type.String()),
              error: Type.Optional(Type.String()),
            }),
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const outcome = await service.test(
          principalOf(request).actor,
          request.params.integrationKey,
          request.params.id,
        );
        return { ...outcome, latencyMs: Math.round(outcome.latencyMs) };
      },
    );

    app.get(
      '/integrations/:integrationKey/:id/deliveries',
      {
        schema: {
          tags,
          summary: 'Ours: the delivery log, newest first, each delivery with its attempts',
          params: Params,
          querystring: Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
              before: Type.Optional(Type.Integer()),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(Delivery), _links: Links }), ...errorResponses },
        },
      },
      async (request) => {
        const { integrationKey, id } = request.params;
        await service.get(integrationKey, id);
        const page = await log.page(id, request.query.limit ?? 20, request.query.before);
        const base = `/api/v2/integrations/${integrationKey}/${id}/deliveries`;
        return {
          items: page.items,
          _links: {
            self: { href: base, type: 'application/json' },
            ...(page.next === undefined
              ? {}
              : { next: { href: `${base}?before=${page.next}`, type: 'application/json' } }),
          },
        };
      },
    );

    app.post(
      '/integrations/:integrationKey/:id/deliveries/:deliveryId/retry',
      {
        schema: {
          tags,
          summary: 'Ours: re-send a dead or dropped delivery',
          params: Type.Object({ integrationKey: Type.String(), id: Id, deliveryId: Type.Integer() }),
          response: { 202: Type.Object({ queued: Type.Boolean() }), ...errorResponses },
        },
      },
      async (request, reply) => {
        const { integrationKey, id, deliveryId } = request.params;
        await service.retryDelivery(integrationKey, id, deliveryId);
        wake();
        return reply.status(202).send({ queued: true });
      },
    );
  };
}
