import http from 'node:http';
import type { AddressInfo, LookupFunction, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HttpResult, OutboundHttp } from './outbound-http.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

/** A loopback server whose behaviour each test sets; it counts connections and requests. */
let handler: Handler = (_req, res) => res.writeHead(204).end();
let connections = 0;
let requests = 0;
const sockets = new Set<Socket>();
const server = http.createServer((req, res) => {
  requests++;
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    body += chunk;
  });
  req.on('end', () => handler(req, res, body));
});
server.on('connection', (socket) => {
  connections++;
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
let origin = '';
const clients: OutboundHttp[] = [];

function client(options: Partial<ConstructorParameters<typeof OutboundHttp>[0]> = {}): OutboundHttp {
  const created = new OutboundHttp({ allowPrivateTargets: true, ...options });
  clients.push(created);
  return created;
}

function asResponse(result: HttpResult) {
  if (result.kind !== 'response') throw new Error(`expected a response, got ${JSON.stringify(result)}`);
  return result;
}

function asError(result: HttpResult) {
  if (result.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result;
}

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const socket of sockets) socket.destroy();
  handler = (_req, res) => res.writeHead(204).end();
  connections = 0;
  requests = 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('OutboundHttp.post', () => {
  it('sends the JSON body with its headers and returns status, lower-cased headers and latency', async () => {
    let seen: { method?: string; url?: string; auth?: string; type?: string; body?: string } = {};
    handler = (req, res, body) => {
      seen = {
        method: req.method,
        url: req.url,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        body,
      };
      res
        .writeHead(200, { 'X-Ratelimit-Remaining': '499', 'Content-Type': 'application/json' })
        .end('{"ok":true}');
    };
    const result = asResponse(
      await client().post(
        `${origin}/v2/room/Ops%20Team/notification?x=1`,
        { Authorization: 'Bearer t0ken' },
        '{"a":1}',
      ),
    );
    expect(seen).toEqual({
      method: 'POST',
      url: '/v2/room/Ops%20Team/notification?x=1',
      auth: 'Bearer t0ken',
      type: 'application/json',
      body: '{"a":1}',
    });
    expect(result.status).toBe(200);
    expect(result.headers['x-ratelimit-remaining']).toBe('499');
    expect(result.bodyExcerpt).toBe('{"ok":true}');
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it('reuses keep-alive connections for sequential posts', async () => {
    const pooled = client();
    for (let i = 0; i < 10; i++)
      expect(asResponse(await pooled.post(`${origin}/x`, {}, '{}')).status).toBe(204);
    expect(requests).toBe(10);
    // undici's pool may open a second socket while the first is still finishing its response.
    expect(connections).toBeLessThanOrEqual(2);
  });

  it('keeps to the connection limit per origin', async () => {
    const single = client({ connectionsPerOrigin: 1 });
    await Promise.all(Array.from({ length: 5 }, () => single.post(`${origin}/x`, {}, '{}')));
    expect(requests).toBe(5);
    expect(connections).toBe(1);
  });

  it('keeps only the first 1 KB of the body, and still reuses the connection after a moderate body', async () => {
    handler = (_req, res) => res.writeHead(400).end('x'.repeat(10_000));
    const http1 = client({ connectionsPerOrigin: 1 });
    const first = asResponse(await http1.post(`${origin}/x`, {}, '{}'));
    expect(first.bodyExcerpt).toBe('x'.repeat(1024));
    await http1.post(`${origin}/x`, {}, '{}');
    expect(connections).toBe(1);
  });

  it('does not drain a huge body, and does not hang on it', async () => {
    handler = (_req, res) => {
      res.writeHead(500);
      res.end('y'.repeat(2 * 1024 * 1024));
    };
    const result = asResponse(await client({ totalTimeoutMs: 5_000 }).post(`${origin}/x`, {}, '{}'));
    expect(result.status).toBe(500);
    expect(result.bodyExcerpt).toHaveLength(1024);
  });

  it('never cuts a multi-byte character in half at the 1 KB mark', async () => {
    handler = (_req, res) => res.writeHead(400).end(`${'a'.repeat(1023)}é and more`);
    const result = asResponse(await client().post(`${origin}/x`, {}, '{}'));
    expect(result.bodyExcerpt).toBe('a'.repeat(1023));
  });

  it('returns a redirect as a result and never follows it', async () => {
    handler = (req, res) =>
      req.url === '/start'
        ? res.writeHead(302, { location: `${origin}/elsewhere` }).end()
        : res.writeHead(204).end();
    const result = asResponse(await client().post(`${origin}/start`, {}, '{}'));
    expect(result.status).toBe(302);
    expect(result.headers.location).toBe(`${origin}/elsewhere`);
    expect(requests).toBe(1);
  });

  it('times out when no answer comes in time', async () => {
    handler = () => {
      // Never answers.
    };
    const result = asError(await client({ totalTimeoutMs: 300 }).post(`${origin}/x`, {}, '{}'));
    expect(result.errorClass).toBe('timeout');
    expect(result.message).toBe(`no complete answer from ${origin} within 300 ms`);
    expect(result.latencyMs).toBeGreaterThanOrEqual(250);
    expect(result.latencyMs).toBeLessThan(2_000);
  });

  it('times out when the body stalls after the headers (the timeout is total, not per phase)', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('partial');
    };
    const result = asError(await client({ totalTimeoutMs: 300 }).post(`${origin}/x`, {}, '{}'));
    expect(result.errorClass).toBe('timeout');
  });

  it('classifies a dropped connection as connection_reset', async () => {
    handler = (req) => req.socket.destroy();
    const result = asError(await client().post(`${origin}/x`, {}, '{}'));
    expect(result.errorClass).toBe('connection_reset');
  });

  it('classifies a closed port as connection_refused', async () => {
    const spare = http.createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const port = (spare.address() as AddressInfo).port;
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    const result = asError(await client().post(`http://127.0.0.1:${port}/x`, {}, '{}'));
    expect(result.errorClass).toBe('connection_refused');
    expect(result.message).toContain(`127.0.0.1:${port}`);
  });

  it('classifies a name that does not resolve as dns', async () => {
    const lookup: LookupFunction = (hostname, _options, callback) =>
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    const result = asError(await client({ lookup }).post('http://nowhere.test/x', {}, '{}'));
    expect(result.errorClass).toBe('dns');
  });

  describe('SSRF guard', () => {
    const toLoopback: LookupFunction = (_hostname, _options, callback) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }]);

    it('refuses a loopback literal unless private targets are allowed', async () => {
      const refused = asError(await client({ allowPrivateTargets: false }).post(`${origin}/x`, {}, '{}'));
      expect(refused.errorClass).toBe('ssrf_refused');
      expect(refused.message).toBe(
        `target ${origin} resolves to 127.0.0.1, a loopback address; set SWITCHBOARD_ALLOW_PRIVATE_TARGETS=true to allow private targets`,
      );
      expect(requests).toBe(0);
      expect(
        asResponse(await client({ allowPrivateTargets: true }).post(`${origin}/x`, {}, '{}')).status,
      ).toBe(204);
    });

    it('checks the address a name resolves to at connect time', async () => {
      const port = new URL(origin).port;
      const refused = asError(
        await client({ allowPrivateTargets: false, lookup: toLoopback }).post(
          `http://chat.example.com:${port}/x`,
          {},
          '{}',
        ),
      );
      expect(refused.errorClass).toBe('ssrf_refused');
      expect(refused.message).toContain(
        `target http://chat.example.com:${port} resolves to 127.0.0.1, a loopback address`,
      );
      expect(requests).toBe(0);
      const allowed = client({ allowPrivateTargets: true, lookup: toLoopback });
      expect(asResponse(await allowed.post(`http://chat.example.com:${port}/x`, {}, '{}')).status).toBe(204);
    });

    it('refuses schemes other than http and https', async () => {
      for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/', 'not a url']) {
        expect(asError(await client().post(url, {}, '{}')).errorClass, url).toBe('ssrf_refused');
      }
    });
  });

  describe('secrets', () => {
    it('redacts the Authorization value from a body that echoes it', async () => {
      handler = (req, res) => res.writeHead(401).end(`bad token: ${req.headers.authorization}`);
      const result = asResponse(
        await client().post(`${origin}/x`, { authorization: 'Bearer s3cret-token' }, '{}'),
      );
      expect(result.bodyExcerpt).toBe('bad token: [redacted]');
    });

    it('keeps the token out of error messages, even for a malformed header', async () => {
      const result = asError(
        await client().post(`${origin}/x`, { authorization: 'Bearer s3cret-token\r\nx-evil: 1' }, '{}'),
      );
      expect(result.message).not.toContain('s3cret-token');
    });
  });

  it('resolves (never throws) after close, as an error; close twice is fine', async () => {
    const closed = client();
    await closed.close();
    await closed.close();
    const result = await closed.post(`${origin}/x`, {}, '{}');
    expect(result.kind).toBe('error');
  });
});
