import { Type } from '@sinclair/typebox';
import { collection, errorResponses, Id, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import type { RouteAccess } from '../../http/route-access.js';
import type { TypedApp } from '../../http/typed-app.js';
import { parsePatchBody } from '../../shared/json-patch.js';
import { principalOf } from '../access/principal.js';
import { resources } from '../audit/resource-path.js';
import type { DeliveryLog } from '../delivery/delivery-log.js';
import * as deliveryRoutes from '../delivery/delivery-routes.js';
import type { IntegrationService } from './integration-service.js';
import { type Webhook, type WebhookPost, WebhookPostSchema, WebhookSchema } from './webhook-model.js';

const tags = ['Webhooks'];
const Params = Type.Object({ id: Id });

/** Webhooks are the `webhook` kind of integration, in the one service. */
const kind = 'webhook';

/** LaunchDarkly's webhook body: the kind's config (url, secret, sign) sits at the top level. */
function asInput({ url, secret, sign, ...rest }: WebhookPost) {
  return { ...rest, config: { url, secret, sign } };
}

/**
 * `/webhooks` in LaunchDarkly's shape, plus (ours) the delivery log, test and re-send: a thin
 * adapter onto IntegrationService, whose webhook kind shows its documents in this shape.
 */
/** Testing and re-sending are for whoever may switch the webhook on and off. */
const switchesOnOff: RouteAccess = {
  reads: 'account',
  writes: { action: 'updateOn', resource: (params) => resources.webhook(params.id ?? '') },
};

export function webhookRoutes(service: IntegrationService, log: DeliveryLog, wake: deliveryRoutes.Wake) {
  return (app: TypedApp): void => {
    app.get(
      '/webhooks',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'List webhooks',
          response: { 200: collection(WebhookSchema), ...errorResponses },
        },
      },
      async () => {
        const items = (await service.list(kind)) as Webhook[];
        return {
          items,
          totalCount: items.length,
          _links: { self: { href: '/api/v2/webhooks', type: 'application/json' } },
        };
      },
    );
    app.post(
      '/webhooks',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          tags,
          summary: 'Add a webhook; the secret (generated when absent) is in this answer only',
          body: WebhookPostSchema,
          response: { 201: WebhookSchema, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send((await service.create(principalOf(request).actor, kind, asInput(request.body))) as Webhook),
    );
    app.get(
      '/webhooks/:id',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'Get a webhook',
          params: Params,
          response: { 200: WebhookSchema, ...errorResponses },
        },
      },
      async (request) => (await service.get(kind, request.params.id)) as Webhook,
    );
    app.patch(
      '/webhooks/:id',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          tags,
          summary: 'Update a webhook (JSON Patch)',
          params: Params,
          body: PatchBody,
          response: { 200: WebhookSchema, ...errorResponses },
        },
      },
      async (request) =>
        (await service.update(
          principalOf(request).actor,
          kind,
          request.params.id,
          parsePatchBody(request.body),
        )) as Webhook,
    );
    app.delete(
      '/webhooks/:id',
      {
        config: { access: { reads: 'account', writes: 'change' } },
        schema: {
          tags,
          summary: 'Delete a webhook and its delivery log',
          params: Params,
          response: noContentResponses,
        },
      },
      async (request, reply) => {
        await service.delete(principalOf(request).actor, kind, request.params.id);
        return reply.status(204).send(null);
      },
    );
    app.post(
      '/webhooks/:id/test',
      {
        config: { access: switchesOnOff },
        schema: {
          tags,
          summary: 'Ours: send a signed test payload now and report the answer',
          params: Params,
          response: deliveryRoutes.testResponses,
        },
      },
      async (request) =>
        deliveryRoutes.testAnswer(await service.test(principalOf(request).actor, kind, request.params.id)),
    );
    app.get(
      '/webhooks/:id/deliveries',
      {
        config: { access: { reads: 'account' } },
        schema: {
          tags,
          summary: 'Ours: the delivery log, newest first',
          params: Params,
          querystring: deliveryRoutes.DeliveriesQuery,
          response: deliveryRoutes.deliveriesResponses,
        },
      },
      async (request) => {
        const { id } = request.params;
        await service.get(kind, id);
        return deliveryRoutes.deliveriesPage(log, id, `/api/v2/webhooks/${id}/deliveries`, request.query);
      },
    );
    app.post(
      '/webhooks/:id/deliveries/:deliveryId/retry',
      {
        config: { access: switchesOnOff },
        schema: {
          tags,
          summary: 'Ours: re-send a dead or dropped delivery',
          params: Type.Object({ id: Id, deliveryId: Type.Integer() }),
          response: deliveryRoutes.resendResponses,
        },
      },
      async (request, reply) => {
        await service.retryDelivery(kind, request.params.id, request.params.deliveryId);
        await wake(request.params.id);
        return reply.status(202).send({ queued: true });
      },
    );
  };
}
