import { existsSync } from 'node:fs';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { BadRequestError, MethodNotAllowedError, UnsupportedMediaTypeError } from './errors/app-errors.js';
import { errorHandler } from './errors/http-error-mapper.js';
import { maxKeyLength } from './http/common-schemas.js';
import { depthBoundedParser } from './http/json-depth.js';
import { mergePatchParser } from './http/merge-patch-parser.js';
import { type Metrics, registerMetricsRoute } from './http/metrics.js';
import type { RestRateLimiter } from './http/rate-limit.js';
import type { RequestGuard, RouteAccess } from './http/route-access.js';
import type { TypedApp } from './http/typed-app.js';
import { mergePatchContentType } from './shared/merge-patch.js';

export interface AppDeps {
  /** Who is asking, and whether the route they ask lets them (see RouteAccess). */
  readonly guard: RequestGuard;
  readonly metrics: Metrics;
  /** The API port serves /metrics only to this bearer token (see `Config.metricsToken`). */
  readonly metricsToken: string | undefined;
  readonly isReady: () => Promise<boolean>;
  /** Registers the API routes (under /api/v2) on the instance. */
  readonly routes: readonly ((app: TypedApp) => void)[];
  /**
   * Routes at the root with credentials of their own (the SDK endpoints: `/all`, `/sdk/…`,
   * `/bulk`): the REST API's authentication does not apply to them, nor theirs to it.
   */
  readonly rootRoutes?: readonly ((app: TypedApp) => void)[];
  readonly logger: FastifyBaseLogger;
  /** The built web UI (index.html and assets), served at `/` when present. */
  readonly webRoot: string | undefined;
  /** The REST API's per-token request limit (`SWITCHBOARD_API_RATE_LIMIT`). */
  readonly rateLimiter: RestRateLimiter;
}

/** Largest request body accepted; bigger ones get 413 before they are parsed. */
export const bodyLimit = 1024 * 1024;

export async function buildApp(deps: AppDeps): Promise<TypedApp> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit,
    // Unknown fields must be an error, not silently dropped; see the route schemas.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
    return503OnClosing: true,
    // The router answers 414 to a path parameter longer than this (100 by default), and keys
    // are path parameters: without it a project with a long key could be created but not reached.
    routerOptions: { maxParamLength: maxKeyLength },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Who the request acts for: the guard sets it (see RequestGuard.authenticate).
  app.decorateRequest('principal', undefined);
  app.setErrorHandler(errorHandler);
  // A rate limiter shared with other processes stops reporting before the database closes.
  app.addHook('onClose', async () => deps.rateLimiter.close());
  await app.register(cookie);
  const webRoot = deps.webRoot !== undefined && existsSync(deps.webRoot) ? deps.webRoot : undefined;
  if (webRoot !== undefined) {
    await app.register(fastifyStatic, { root: webRoot, wildcard: false, index: ['index.html'] });
  }
  // Which methods each API path pattern has: a known path asked with another method is a 405.
  const apiPaths = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/v2')) return;
    let path = apiPaths.get(route.url);
    if (path === undefined) {
      path = { pattern: pathPattern(route.url), methods: new Set() };
      apiPaths.set(route.url, path);
    }
    for (const method of [route.method].flat()) path.methods.add(method);
    // Every route says what it reads or writes (see RouteAccess); one that does not never starts.
    const access = route.config?.access;
    if (access === undefined) {
      throw new Error(`${String(route.method)} ${route.url} declares no access: give it config.access`);
    }
    if (access.reads === 'project' && !route.url.includes('/:projectKey')) {
      throw new Error(`${String(route.method)} ${route.url} reads a project but has no :projectKey`);
    }
  });
  app.setNotFoundHandler((request, reply) => {
    // The UI is a single-page app: any other page address gets index.html and routes itself.
    if (webRoot !== undefined && request.method === 'GET' && !isMachinePath(request.url)) {
      return reply.type('text/html').sendFile('index.html');
    }
    const path = request.url.split('?')[0] ?? request.url;
    const allow = [...apiPaths.values()].filter((p) => p.pattern.test(path)).flatMap((p) => [...p.methods]);
    if (allow.length > 0) {
      const methods = methodOrder.filter((m) => allow.includes(m));
      return reply.send(
        new MethodNotAllowedError(
          `${request.method} is not allowed on ${path}; use ${methods.join(', ')}`,
          methods,
        ),
      );
    }
    return reply
      .status(404)
      .send({ code: 'not_found', message: `No route for ${request.method} ${request.url}` });
  });
  // JSON Patch may arrive as application/json-patch+json; semantic patch uses application/json
  // with a domain-model parameter, which matches application/json. Both refuse too deep a body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    ['application/json', 'application/json-patch+json'],
    { parseAs: 'string' },
    depthBoundedParser(app.getDefaultJsonParser('error', 'error')),
  );
  // A JSON merge patch arrives to the route as {"merge": <document>} (see merge-patch.ts).
  app.addContentTypeParser(
    mergePatchContentType,
    { parseAs: 'string' },
    mergePatchParser(depthBoundedParser(app.getDefaultJsonParser('error', 'error'))),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Switchboard API',
        version: '2.0.0',
        description:
          'LaunchDarkly REST API v2 shapes for projects, environments, flags, segments, metrics, members, ' +
          'custom roles, access tokens and the audit log. Authenticate with `Authorization: <access token>`.',
      },
      components: {
        securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: 'Authorization' } },
      },
      security: [{ ApiKey: [] }],
    },
  });

  deps.metrics.instrument(app);

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const ready = await deps.isReady();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  if (deps.metricsToken !== undefined) registerMetricsRoute(app, deps.metrics, deps.metricsToken);
  for (const register of deps.rootRoutes ?? []) register(app);

  await app.register(
    async (api) => {
      api.get(
        '/openapi.json',
        { schema: { hide: true }, config: { access: { reads: 'public' } } },
        async () => app.swagger(),
      );
      // Bodyless operations (resetting a token) take what HTTP clients send without a body: axios
      // adds a form Content-Type, Node's http a chunked empty body. A body of any type other than
      // JSON is a 415 (text/plain included, which Fastify would otherwise hand the schema as a string).
      api.removeContentTypeParser('text/plain');
      api.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
        if (body === '') done(null, undefined);
        else done(new UnsupportedMediaTypeError(), undefined);
      });
      api.addHook('onRequest', async (request, reply) => {
        const version = request.headers['ld-api-version'];
        if (version !== undefined && !apiVersions.includes(String(version))) {
          throw new BadRequestError(
            'invalid_request',
            `Unknown LD-API-Version "${String(version)}": this server speaks ${apiVersions.join(' and ')}`,
          );
        }
        // A path with no route here (a 404, a 405) is answered as any account's read.
        const access = request.routeOptions.config.access ?? unrouted;
        if (access.reads === 'public') return;
        request.routeOptions.config.early?.(request);
        const rateKey = await deps.guard.authenticate(request);
        if (deps.rateLimiter.enabled) {
          await deps.rateLimiter.ready(rateKey);
          const state = deps.rateLimiter.take(rateKey, `${request.method} ${request.routeOptions.url}`);
          void reply.headers({
            'x-ratelimit-global-remaining': state.globalRemaining,
            'x-ratelimit-route-remaining': state.routeRemaining,
            'x-ratelimit-reset': state.reset,
          });
          if (state.retryAfterMs !== undefined) throw deps.rateLimiter.refusal(state);
        }
        await deps.guard.beforeHandler(request, access);
      });
      api.get(
        '/',
        {
          config: { access: { reads: 'account' } },
          schema: {
            tags: ['Other'],
            summary: 'The API root: links to the main collections',
            response: {
              // `links` is LaunchDarkly's RootResponse; `_links` as every other resource has it.
              200: Type.Object({
                links: Type.Record(Type.String(), Link),
                _links: Type.Record(Type.String(), Link),
              }),
            },
          },
        },
        async () => ({ links: rootLinks, _links: rootLinks }),
      );
      // A write that changed nothing (a PATCH to the values already there) answers with what is
      // there: it is a read, and needs what the route declares it reads.
      api.addHook('preSerialization', async (request, reply, payload) => {
        const access = request.routeOptions.config.access;
        if (access?.writes === undefined || reply.statusCode >= 300) return payload;
        await deps.guard.afterWrite(request, access);
        return payload;
      });
      for (const register of deps.routes) register(api);
    },
    { prefix: '/api/v2' },
  );
  return app;
}

const unrouted: RouteAccess = { reads: 'account' };

/** `LD-API-Version` values accepted: LaunchDarkly's current version and its beta resources. */
const apiVersions = ['20240415', 'beta'];

const Link = Type.Object({ href: Type.String(), type: Type.String() });

const rootLinks = Object.fromEntries(
  Object.entries({
    self: '',
    projects: '/projects',
    members: '/members',
    roles: '/roles',
    tokens: '/tokens',
    auditLog: '/auditlog',
    webhooks: '/webhooks',
    openapi: '/openapi.json',
  }).map(([name, path]) => [name, { href: `/api/v2${path}`, type: 'application/json' }]),
);

const methodOrder = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** A route's path (`/api/v2/flags/:projectKey`) as a regular expression over request paths. */
function pathPattern(url: string): RegExp {
  const parts = url
    .split('/')
    .map((part) =>
      part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    );
  return new RegExp(`^${parts.join('/')}$`);
}

/**
 * Addresses that programs call (the REST API, metrics, health, the SDK endpoints): an unknown or
 * disabled one is a 404 in JSON, never the UI's index.html with a 200 a scraper or SDK would
 * take for an answer.
 */
const machinePaths = [
  '/api',
  '/metrics',
  '/healthz',
  '/readyz',
  '/all',
  '/sdk',
  '/bulk',
  '/diagnostic',
  '/eval',
  '/events',
  '/msdk',
  '/meval',
  '/mobile',
];

function isMachinePath(url: string): boolean {
  const path = url.split('?')[0] ?? url;
  return machinePaths.some((p) => path === p || path.startsWith(`${p}/`));
}
