import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody, Key } from '../../http/common-schemas.js';
import type { TypedApp } from '../../http/typed-app.js';
import type { SdkCollection } from './environment-payload.js';
import { sdkKeyAuth } from './sdk-auth.js';
import type { SdkKeyResolver } from './sdk-credentials.js';
import type { SdkDataPlane } from './sdk-data-plane.js';

/** Whether `If-None-Match` names this entity tag (weak comparison, as RFC 9110 says for it). */
export function matchesIfNoneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.replace(/^W\//, '');
  return (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t.replace(/^W\//, '') === opaque);
}

/**
 * Answers 304 when the client has this version (`etag`, or `sameVersion`: the tag of another
 * representation of it), the JSON text otherwise; both with the ETag.
 */
function sendJson(
  request: FastifyRequest,
  reply: FastifyReply,
  json: string | Buffer,
  etag: string,
  sameVersion?: string,
) {
  reply.header('etag', etag).header('cache-control', 'no-cache');
  const held = request.headers['if-none-match'];
  if (
    matchesIfNoneMatch(held, etag) ||
    (sameVersion !== undefined && matchesIfNoneMatch(held, sameVersion))
  ) {
    return reply.status(304).send();
  }
  // Sent as it is: the text (or bytes) built once for every poller of the environment.
  return reply.type('application/json; charset=utf-8').send(json);
}

/**
 * The SDKs poll with `Accept-Encoding: gzip` (the Node SDK on every GET). The whole-environment
 * body compresses about 60× (1,000 flags: 452 KiB to 7 KiB), so each version is compressed once,
 * off the event loop, and the same bytes go to every poller; keyed by the body, which is new
 * with every change, so nothing needs clearing.
 */
const gzipAsync = promisify(gzip);
const gzipped = new WeakMap<Buffer, Promise<Buffer>>();

function gzipOnce(body: Buffer): Promise<Buffer> {
  let compressed = gzipped.get(body);
  if (compressed === undefined) {
    compressed = gzipAsync(body);
    gzipped.set(body, compressed);
  }
  return compressed;
}

/** Whether `Accept-Encoding` lists gzip with a weight above zero. */
export function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [name = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return name === 'gzip' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

const errors = { 401: ErrorBody, 404: ErrorBody };
const json = Type.Unknown({ description: "LaunchDarkly's SDK data model" });

/**
 * The server-side SDK endpoints, at the root as LaunchDarkly serves them (its stream and poll
 * hosts), authorized by the environment's SDK key in `Authorization`: `GET /all` (Server-Sent
 * Events) and `GET /sdk/latest-all`, `/sdk/latest-flags/{key}`, `/sdk/latest-segments/{key}`
 * for polling, with a strong ETag and 304.
 */
export function sdkRoutes(plane: SdkDataPlane, keys: SdkKeyResolver) {
  return (app: TypedApp): void => {
    const { onRequest, credentialOf } = sdkKeyAuth(keys, 'server');
    // The SDK endpoints are LaunchDarkly's protocol, not part of the REST API's document.
    const hide = true;

    app.get('/all', { schema: { hide, response: errors }, onRequest }, async (request, reply) => {
      const { key, env } = credentialOf(request);
      reply.hijack();
      try {
        await plane.openStream(env, key, reply.raw);
      } catch (error) {
        // Nothing was sent yet: a 503 makes the SDK retry with backoff (a 4xx would stop it).
        request.log.warn({ err: error }, 'SDK stream could not start');
        if (!reply.raw.headersSent) reply.raw.writeHead(503, { 'content-type': 'application/json' });
        reply.raw.end('{"code":"unavailable","message":"Try again later"}');
      }
    });

    app.get(
      '/sdk/latest-all',
      { schema: { hide, response: { 200: json, 304: Type.Null(), ...errors } }, onRequest },
      async (request, reply) => {
        const { body, etag } = (await plane.payload(credentialOf(request).env)).snapshot();
        reply.header('vary', 'accept-encoding');
        // The gzip form is another representation with an entity tag of its own; a client that
        // holds either form of this version has it.
        const gzipTag = `${etag.slice(0, -1)}-gzip"`;
        if (!acceptsGzip(request.headers['accept-encoding']))
          return sendJson(request, reply, body, etag, gzipTag);
        const held = request.headers['if-none-match'];
        if (matchesIfNoneMatch(held, gzipTag) || matchesIfNoneMatch(held, etag)) {
          return sendJson(request, reply, body, gzipTag, etag);
        }
        reply.header('content-encoding', 'gzip');
        return sendJson(request, reply, await gzipOnce(body), gzipTag);
      },
    );

    const one = (collection: SdkCollection, noun: string) => ({
      schema: {
        hide,
        params: Type.Object({ key: Key }),
        response: { 200: json, 304: Type.Null(), ...errors },
      },
      onRequest,
      handler: async (request: FastifyRequest<{ Params: { key: string } }>, reply: FastifyReply) => {
        const payload = await plane.payload(credentialOf(request).env);
        const item = payload.item(collection, request.params.key);
        if (item === undefined)
          return reply.status(404).send({ code: 'not_found', message: `${noun} not found` });
        return sendJson(request, reply, item.json, item.etag);
      },
    });
    app.get('/sdk/latest-flags/:key', one('flags', 'Flag'));
    app.get('/sdk/latest-segments/:key', one('segments', 'Segment'));
  };
}
