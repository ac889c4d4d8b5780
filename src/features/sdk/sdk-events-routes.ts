import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ErrorBody } from '../../http/common-schemas.js';
import type { TypedApp } from '../../http/typed-app.js';
import { sdkKeyAuth } from './sdk-auth.js';
import type { SdkKeyResolver } from './sdk-credentials.js';
import type { SdkEventsService } from './sdk-events-service.js';

const schema = {
  // The SDK endpoints are LaunchDarkly's protocol, not part of the REST API's document.
  hide: true,
  body: Type.Unknown(),
  response: {
    // A string payload is sent as it is (not serialized): an empty body, as LaunchDarkly answers.
    202: Type.String({ maxLength: 0, description: 'Accepted: no body' }),
    400: ErrorBody,
    401: ErrorBody,
    413: ErrorBody,
  },
};

/**
 * `POST /bulk` (analytics events) and `POST /diagnostic` (diagnostic events) from server-side
 * SDKs, at the root like LaunchDarkly's events host, with the SDK key in `Authorization`. The
 * key is checked before the body is read; the body is at most the app's 1 MiB `bodyLimit`.
 */
export function sdkEventRoutes(service: SdkEventsService, keys: SdkKeyResolver) {
  return (app: TypedApp): void => {
    const { onRequest, credentialOf } = sdkKeyAuth(keys, 'server');
    const environmentOf = (request: FastifyRequest) => credentialOf(request).env;

    app.post('/bulk', { schema, onRequest }, async (request, reply) => {
      const id = request.headers['x-launchdarkly-payload-id'];
      service.acceptAnalytics(environmentOf(request), Array.isArray(id) ? id[0] : id, request.body);
      return reply.status(202).send('');
    });

    app.post('/diagnostic', { schema, onRequest }, async (request, reply) => {
      service.acceptDiagnostic(environmentOf(request), request.body);
      return reply.status(202).send('');
    });
  };
}
