import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../errors/app-errors.js';
import { ErrorBody } from '../../http/common-schemas.js';
import type { TypedApp } from '../../http/typed-app.js';
import type { SdkEnvironment, SdkKeyResolver } from './sdk-credentials.js';
import type { SdkEventsService } from './sdk-events-service.js';

/** The environment each request's SDK key opened, set before the body is read. */
const opened = new WeakMap<FastifyRequest, SdkEnvironment>();

/** Which environment a server-side SDK key opens; the same 401 whatever was wrong with it. */
async function authenticate(keys: SdkKeyResolver, request: FastifyRequest): Promise<void> {
  // SDKs send the bare key; some older ones prefix it with `api_key `.
  const raw = /^(?:api_key +)?(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
  const env = raw === undefined ? undefined : await keys.resolve(raw, 'server');
  if (env === undefined) throw new UnauthorizedError('Invalid or missing SDK key');
  opened.set(request, env);
}

function environmentOf(request: FastifyRequest): SdkEnvironment {
  const env = opened.get(request);
  // onRequest ran and would have refused the request: unreachable unless the hooks change.
  if (env === undefined) throw new UnauthorizedError('Invalid or missing SDK key');
  return env;
}

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
    const onRequest = (request: FastifyRequest) => authenticate(keys, request);

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
