import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../errors/app-errors.js';
import { ErrorBody } from '../../http/common-schemas.js';
import type { TypedApp } from '../../http/typed-app.js';
import { cached } from '../../shared/bounded-cache.js';
import {
  type ClientContext,
  ContextTooLargeError,
  contextFromBody,
  contextFromPath,
  maxContextBytes,
} from './client-context.js';
import { type ClientData, type ClientKind, clientResultsJson } from './client-evaluation.js';
import type { ClientSideIds } from './client-side-ids.js';
import type { ClientDataCache, ClientStreams } from './client-streams.js';
import { sdkKeyAuth } from './sdk-auth.js';
import type { SdkEnvironment, SdkKeyResolver } from './sdk-credentials.js';
import type { SdkDataPlane } from './sdk-data-plane.js';
import type { SdkEventsService } from './sdk-events-service.js';

export interface ClientRoutesDeps {
  readonly plane: SdkDataPlane;
  readonly cache: ClientDataCache;
  readonly streams: ClientStreams;
  readonly ids: ClientSideIds;
  readonly keys: SdkKeyResolver;
  readonly events: SdkEventsService;
}

type Req = FastifyRequest<{
  Params: Record<string, string | undefined>;
  Querystring: Record<string, unknown>;
}>;

/**
 * Browsers call these from any page, so any origin may read them; the SDK sends its own headers
 * (`X-LaunchDarkly-User-Agent`, `-Event-Schema`, `-Payload-ID`, `-Wrapper`, `-Tags`) and REPORT.
 * No cookies are involved: the client-side ID is public and mobile keys go in `Authorization`.
 */
function corsHeaders(request: FastifyRequest): Record<string, string> {
  const origin = request.headers.origin;
  return {
    'access-control-allow-origin': typeof origin === 'string' ? origin : '*',
    'access-control-expose-headers': 'Date, ETag',
    vary: 'Origin',
  };
}

async function cors(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.headers(corsHeaders(request));
}

const allowedHeaders =
  'Accept, Authorization, Content-Type, Content-Length, Accept-Encoding, If-None-Match, ' +
  'X-LaunchDarkly-User-Agent, X-LaunchDarkly-Event-Schema, X-LaunchDarkly-Payload-ID, ' +
  'X-LaunchDarkly-Wrapper, X-LaunchDarkly-Tags';

const tooLarge = {
  code: 'request_entity_too_large',
  message: `The context is larger than ${maxContextBytes} bytes`,
};
const hide = true;
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 413: ErrorBody };

/**
 * The client-side SDK endpoints (browser: the client-side ID in the path; mobile: the mobile key
 * in `Authorization`): `evalx` answers every flag the client may read, evaluated for the context
 * it sends (base64url in the path, or the body of a REPORT); `/eval` and `/meval` stream the same
 * (`put`, then `patch`/`delete` when a result for that context changes); events go to the same
 * counts as server-side SDKs' `/bulk`.
 */
/**
 * evalx answers by environment data (a new object with every change, so nothing needs clearing)
 * and by context: an app's pages ask again for the same context, and one answer evaluates every
 * flag (200 flags of 10 rules: about 1 ms), so repeats cost a lookup. Bounded per data.
 */
const answers = new WeakMap<ClientData, Map<string, string>>();
const answersKept = 500;

function answerFor(data: ClientData, key: string, compute: () => string): string {
  let byContext = answers.get(data);
  if (byContext === undefined) {
    byContext = new Map();
    answers.set(data, byContext);
  }
  return cached(byContext, key, answersKept, compute);
}

export function clientRoutes(deps: ClientRoutesDeps) {
  return (app: TypedApp): void => {
    // LaunchDarkly's SDKs send the context as a REPORT body when told to (`useReport`).
    if (!app.supportedMethods.includes('REPORT')) app.addHttpMethod('REPORT', { hasBody: true });
    const mobile = sdkKeyAuth(deps.keys, 'mobile');

    const browserEnv = async (request: Req): Promise<SdkEnvironment> => {
      const env = await deps.ids.resolve(request.params.envId ?? '');
      if (env === undefined) throw new NotFoundError('Unknown client-side ID');
      return env;
    };
    const mobileEnv = async (request: Req) => mobile.credentialOf(request).env;
    const withReasons = (request: Req) => request.query.withReasons === 'true';

    /** The context of the request, or undefined when a 413 was sent. */
    const contextOf = (request: Req, reply: FastifyReply): ClientContext | undefined => {
      try {
        return request.method === 'REPORT'
          ? contextFromBody(request.body)
          : contextFromPath(request.params['*'] ?? '');
      } catch (error) {
        if (!(error instanceof ContextTooLargeError)) throw error;
        void reply.status(413).send(tooLarge);
        return undefined;
      }
    };

    const evalx =
      (kind: ClientKind, envOf: (request: Req) => Promise<SdkEnvironment>) =>
      async (request: Req, reply: FastifyReply) => {
        const env = await envOf(request);
        const client = contextOf(request, reply);
        if (client === undefined) return reply;
        const data = deps.cache.dataOf(await deps.plane.payload(env));
        const reasons = withReasons(request);
        const json = answerFor(data, `${kind}\0${reasons}\0${client.canonical}`, () =>
          clientResultsJson(data, client.context, kind, reasons),
        );
        return reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(json);
      };

    const stream =
      (kind: ClientKind, envOf: (request: Req) => Promise<SdkEnvironment>) =>
      async (request: Req, reply: FastifyReply) => {
        const env = await envOf(request);
        const client = contextOf(request, reply);
        if (client === undefined) return reply;
        reply.hijack();
        try {
          await deps.streams.open(env, client, kind, withReasons(request), reply.raw, corsHeaders(request));
        } catch (error) {
          // Nothing was sent yet: a 503 makes the SDK retry with backoff (a 4xx would stop it).
          request.log.warn({ err: error }, 'Client SDK stream could not start');
          if (!reply.raw.headersSent) reply.raw.writeHead(503, { 'content-type': 'application/json' });
          reply.raw.end('{"code":"unavailable","message":"Try again later"}');
        }
      };

    const events =
      (envOf: (request: Req) => Promise<SdkEnvironment>, diagnostic: boolean) =>
      async (request: Req, reply: FastifyReply) => {
        const env = await envOf(request);
        if (diagnostic) deps.events.acceptDiagnostic(env, request.body);
        else {
          const id = request.headers['x-launchdarkly-payload-id'];
          deps.events.acceptAnalytics(env, Array.isArray(id) ? id[0] : id, request.body);
        }
        return reply.status(202).send('');
      };

    const jsonSchema = { hide, response: { 200: Type.Unknown(), ...errors } };
    const eventSchema = {
      hide,
      body: Type.Unknown(),
      response: { 202: Type.String({ maxLength: 0 }), ...errors },
    };
    const browser = { onRequest: cors };
    const mobileAuth = { onRequest: [cors, mobile.onRequest] };
    const report = { bodyLimit: maxContextBytes };

    const route = (
      method: 'GET' | 'REPORT' | 'POST',
      url: string,
      options: object,
      handler: (r: Req, p: FastifyReply) => Promise<unknown>,
      schema: object,
    ) => app.route({ method, url, schema, ...options, handler: handler as never });

    // Browser SDKs: the client-side ID in the path.
    route('GET', '/sdk/evalx/:envId/contexts/*', browser, evalx('browser', browserEnv), jsonSchema);
    route(
      'REPORT',
      '/sdk/evalx/:envId/context',
      { ...browser, ...report },
      evalx('browser', browserEnv),
      jsonSchema,
    );
    route('GET', '/eval/:envId/*', browser, stream('browser', browserEnv), { hide });
    route('REPORT', '/eval/:envId', { ...browser, ...report }, stream('browser', browserEnv), { hide });
    route('POST', '/events/bulk/:envId', browser, events(browserEnv, false), eventSchema);
    route('POST', '/events/diagnostic/:envId', browser, events(browserEnv, true), eventSchema);

    // Mobile SDKs: the mobile key in `Authorization`.
    route('GET', '/msdk/evalx/contexts/*', mobileAuth, evalx('mobile', mobileEnv), jsonSchema);
    route(
      'REPORT',
      '/msdk/evalx/context',
      { ...mobileAuth, ...report },
      evalx('mobile', mobileEnv),
      jsonSchema,
    );
    route('GET', '/meval/*', mobileAuth, stream('mobile', mobileEnv), { hide });
    route('REPORT', '/meval', { ...mobileAuth, ...report }, stream('mobile', mobileEnv), { hide });
    for (const url of ['/mobile', '/mobile/events', '/mobile/events/bulk'])
      route('POST', url, mobileAuth, events(mobileEnv, false), eventSchema);
    route('POST', '/mobile/events/diagnostic', mobileAuth, events(mobileEnv, true), eventSchema);

    // Preflight: browsers ask before a REPORT or a request with the SDK's own headers.
    for (const url of [
      '/sdk/evalx/*',
      '/eval/*',
      '/events/*',
      '/msdk/*',
      '/meval',
      '/meval/*',
      '/mobile',
      '/mobile/*',
    ]) {
      app.options(url, { schema: { hide } }, async (request, reply) => {
        const asked = request.headers['access-control-request-headers'];
        return reply
          .headers(corsHeaders(request))
          .header('access-control-allow-methods', 'GET, REPORT, POST, OPTIONS')
          .header(
            'access-control-allow-headers',
            typeof asked === 'string' && asked !== '' ? asked : allowedHeaders,
          )
          .header('access-control-max-age', '300')
          .status(204)
          .send();
      });
    }
  };
}
