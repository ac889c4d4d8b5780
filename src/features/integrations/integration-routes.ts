import { Type } from '@sinclair/typebox';
import { NotFoundError } from '../../errors/app-errors.js';
import { collection, errorResponses, Id, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import type { RouteAccess } from '../../http/route-access.js';
import type { TypedApp } from '../../http/typed-app.js';
import { parsePatchBody } from '../../shared/json-patch.js';
import { principalOf } from '../access/principal.js';
import { canViewEntry } from '../access/view-rules.js';
import { resources } from '../audit/resource-path.js';
import type { DeliveryLog } from '../delivery/delivery-log.js';
import * as deliveryRoutes from '../delivery/delivery-routes.js';
import { type Integration, IntegrationPostSchema, IntegrationSchema } from './integration-model.js';
import type { IntegrationService } from './integration-service.js';
import { integrationKinds } from './kinds/index.js';

const tags = ['Integrations'];
const KindParams = Type.Object({ integrationKey: Type.String() });
const Params = Type.Object({ integrationKey: Type.String(), id: Id });

/** The kinds served here; webhooks have `/webhooks` (kinds/webhook/webhook-routes.ts). */
const supportedIntegrationKinds = integrationKinds.filter((k) => k.noun === 'integration').map((k) => k.kind);

function checkKind(kind: string): void {
  if (!supportedIntegrationKinds.includes(kind)) {
    throw new NotFoundError(
      `Integration "${kind}" is not available; supported: ${supportedIntegrationKinds.join(', ')}`,
    );
  }
}

/** Testing and re-sending are for whoever may switch the integration on and off. */
const switchesOnOff: RouteAccess = {
  reads: 'account',
  writes: { action: 'updateOn', resource: (params) => resources.integration(params.id ?? '') },
};

export function integrationRoutes(service: IntegrationService, log: DeliveryLog, wake: deliveryRoutes.Wake) {
  return (app: TypedApp): void => {
    app.get(
      '/integrations/:integrationKey',
      {
        config: { access: { reads: 'account' } },
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
        const items = (await service.list(kind)) as Integration[];
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
        config: { access: { reads: 'account', writes: 'change' } },
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
            (await service.create(
              principalOf(request).actor,
              request.params.integrationKey,
              request.body,
            )) as Integration,
          );
      },
    );

    app.post(
      '/integrations/:integrationKey/preview',
      {
        config: { access: { reads: 'account' } },
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
        const principal = principalOf(request);
        const result = await service.preview(request.body.statements, (accesses) =>
          canViewEntry(principal, accesses),
        );
        return { items: result.items, totalCount: result.items.length, scanned: result.scanned };
      },
    );

    app.get(
      '/integrations/:integrationKey/:id',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'Get a subscription',
          params: Params,
          response: { 200: IntegrationSchema, ...errorResponses },
        },
      },
      async (request) => {
        checkKind(request.params.integrationKey);
        return (await service.get(request.params.integrationKey, request.params.id)) as Integration;
      },
    );

    app.patch(
      '/integrations/:integrationKey/:id',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          tags,
          summary:
            'Update a subscription (JSON Patch); [{"op":"replace","path":"/on","value":false}] switches it off',
          params: Params,
          body: PatchBody,
          response: { 200: IntegrationSchema, ...errorResponses },
        },
      },
      async (request) => {
        checkKind(request.params.integrationKey);
        return (await service.update(
          principalOf(request).actor,
          request.params.integrationKey,
          request.params.id,
          parsePatchBody(request.body),
        )) as Integration;
      },
    );

    app.delete(
      '/integrations/:integrationKey/:id',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          tags,
          summary: 'Delete a subscription and its delivery log',
          params: Params,
          response: noContentResponses,
        },
      },
      async (request, reply) => {
        checkKind(request.params.integrationKey);
        await service.delete(principalOf(request).actor, request.params.integrationKey, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/integrations/:integrationKey/:id/test',
      {
        config: { access: switchesOnOff },
        schema: {
          tags,
          summary: 'Ours: send a test notification now and report the chat server’s answer',
          params: Params,
          response: deliveryRoutes.testResponses,
        },
      },
      async (request) => {
        checkKind(request.params.integrationKey);
        return deliveryRoutes.testAnswer(
          await service.test(principalOf(request).actor, request.params.integrationKey, request.params.id),
        );
      },
    );

    app.get(
      '/integrations/:integrationKey/:id/deliveries',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'Ours: the delivery log, newest first, each delivery with its attempts',
          params: Params,
          querystring: deliveryRoutes.DeliveriesQuery,
          response: deliveryRoutes.deliveriesResponses,
        },
      },
      async (request) => {
        const { integrationKey, id } = request.params;
        checkKind(integrationKey);
        await service.get(integrationKey, id);
        return deliveryRoutes.deliveriesPage(
          log,
          id,
          `/api/v2/integrations/${integrationKey}/${id}/deliveries`,
          request.query,
        );
      },
    );

    app.post(
      '/integrations/:integrationKey/:id/deliveries/:deliveryId/retry',
      {
        config: { access: switchesOnOff },
        schema: {
          tags,
          summary: 'Ours: re-send a dead or dropped delivery',
          params: Type.Object({ integrationKey: Type.String(), id: Id, deliveryId: Type.Integer() }),
          response: deliveryRoutes.resendResponses,
        },
      },
      async (request, reply) => {
        const { integrationKey, id, deliveryId } = request.params;
        checkKind(integrationKey);
        await service.retryDelivery(integrationKey, id, deliveryId);
        await wake(id);
        return reply.status(202).send({ queued: true });
      },
    );
  };
}
