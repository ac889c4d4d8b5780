import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { Agent } from 'undici';
import { remember } from '../../shared/bounded-cache.js';
import { guardedConnector, SsrfRefusedError } from './ssrf-guard.js';

export type HttpErrorClass =
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'dns'
  | 'tls'
  | 'ssrf_refused'
  | 'network';

/** What one send came to. Network trouble is a value, not an exception: every attempt is recorded. */
export type HttpResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** Lower-case names; repeated headers joined with ", ". */
      readonly headers: Readonly<Record<string, string>>;
      /** The first ≤ 1 KB of the body, for the delivery log. */
      readonly bodyExcerpt: string;
      readonly latencyMs: number;
    }
  | {
      readonly kind: 'error';
      readonly errorClass: HttpErrorClass;
      readonly message: string;
      readonly latencyMs: number;
    };

export interface OutboundHttpOptions {
  readonly allowPrivateTargets: boolean;
  /** Default 5 s: a chat server that cannot accept a TCP connection in 5 s is down for us. */
  readonly connectTimeoutMs?: number;
  /** Connect + headers + body. Default 15 s, so one stuck target cannot hold a worker for long. */
  readonly totalTimeoutMs?: number;
  /**
   * Keep-alive connections per origin. 8 measured ≈ 23,000 posts/s to a loopback server (issue 4);
   * a real chat server rate-limits far below that, so more would only add sockets.
   */
  readonly connectionsPerOrigin?: number;
  /** How long an idle keep-alive connection is kept open. */
  readonly keepAliveTimeoutMs?: number;
  /** Name resolution, for tests that point a host name at 127.0.0.1. */
  readonly lookup?: net.LookupFunction;
}

const excerptBytes = 1024;
/**
 * Past the excerpt the body is read and dropped so the connection can be reused; a body bigger
 * than this is not worth draining, so the connection is closed instead.
 */
const drainBytes = 64 * 1024;

/** Header values that are credentials and must never be echoed into a result. */
const secretHeaders = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);

const errorClassByCode: Readonly<Record<string, HttpErrorClass>> = {
  ERR_SSRF_REFUSED: 'ssrf_refused',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  // undici's "other side closed": the server dropped the connection before answering.
  UND_ERR_SOCKET: 'connection_reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
  // Certificate and handshake trouble: a person must fix the server or the URL, and must be told so.
  CERT_HAS_EXPIRED: 'tls',
  CERT_NOT_YET_VALID: 'tls',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls',
  ERR_SSL_WRONG_VERSION_NUMBER: 'tls',
  EPROTO: 'tls',
};

const describeClass: Readonly<Record<HttpErrorClass, string>> = {
  timeout: 'timed out',
  connection_refused: 'connection refused',
  connection_reset: 'connection reset',
  dns: 'name resolution failed',
  tls: 'TLS handshake failed',
  ssrf_refused: 'refused',
  network: 'network error',
};

function errorCodes(err: unknown, seen = new Set<unknown>()): string[] {
  if (typeof err !== 'object' || err === null || seen.has(err)) return [];
  seen.add(err);
  const own = 'code' in err && typeof err.code === 'string' ? [err.code] : [];
  const cause = 'cause' in err ? errorCodes(err.cause, seen) : [];
  const inner = err instanceof AggregateError ? err.errors.flatMap((e) => errorCodes(e, seen)) : [];
  return [...own, ...cause, ...inner];
}

function findSsrfError(err: unknown, depth = 0): SsrfRefusedError | undefined {
  if (err instanceof SsrfRefusedError) return err;
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  if ('cause' in err) return findSsrfError(err.cause, depth + 1);
  return undefined;
}

function classifyError(err: unknown): HttpErrorClass {
  for (const code of errorCodes(err)) {
    const errorClass = errorClassByCode[code];
    if (errorClass !== undefined) return errorClass;
  }
  return 'network';
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function secretsOf(headers: Readonly<Record<string, string>>): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!secretHeaders.has(name.toLowerCase()) || value === '') continue;
    secrets.push(value);
    // "Bearer abc": the bare token may be quoted on its own somewhere.
    const credential = value.replace(/^\S+\s+/, '');
    if (credential !== value && credential.length >= 4) secrets.push(credential);
  }
  return secrets.sort((a, b) => b.length - a.length);
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/**
 * Outbound HTTP for deliveries: undici keep-alive pools per origin (global `fetch` managed
 * 2,000–3,400 posts/s at 7× the CPU per request against ≈ 23,000 for a pool, see issue 4),
 * connect and total timeouts, never a redirect, and the SSRF guard applied at connect time.
 */
export class OutboundHttp {
  private readonly agent: Agent;
  private readonly totalTimeoutMs: number;
  private readonly parsed = new Map<string, { origin: string; path: string; protocol: string }>();
  private closing: Promise<void> | undefined;

  constructor(options: OutboundHttpOptions) {
    this.totalTimeoutMs = options.totalTimeoutMs ?? 15_000;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 16,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      // Backstops; the total timeout below is what normally fires.
      headersTimeout: this.totalTimeoutMs,
      bodyTimeout: this.totalTimeoutMs,
      connect: guardedConnector({
        allowPrivateTargets: options.allowPrivateTargets,
        connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
        ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
      }),
    });
  }

  /** POSTs a JSON body. Resolves for every outcome, including network failures. */
  async post(url: string, headers: Readonly<Record<string, string>>, jsonBody: string): Promise<HttpResult> {
    const started = performance.now();
    const elapsed = () => roundMs(performance.now() - started);

    const target = this.parse(url);
    if (target === undefined) {
      return {
        kind: 'error',
        errorClass: 'ssrf_refused',
        message: 'target is not a valid URL',
        latencyMs: 0,
      };
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      const message = `target uses the scheme ${target.protocol}; only http and https are allowed`;
      return { kind: 'error', errorClass: 'ssrf_refused', message, latencyMs: 0 };
    }

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.totalTimeoutMs);
    try {
      const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
      const response = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers: hasContentType ? { ...headers } : { ...headers, 'content-type': 'application/json' },
        body: jsonBody,
        signal: controller.signal,
      });
      // A 204 (HipChat's success) has no body to read: skip the stream machinery for it.
      const empty =
        response.statusCode === 204 ||
        response.statusCode === 304 ||
        response.headers['content-length'] === '0';
      let excerpt = '';
      if (empty) await response.body.dump();
      else excerpt = await readExcerpt(response.body);
      return {
        kind: 'response',
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        bodyExcerpt: excerpt === '' ? '' : redact(excerpt, secretsOf(headers)),
        latencyMs: elapsed(),
      };
    } catch (err) {
      const ssrf = findSsrfError(err);
      const errorClass = timedOut ? 'timeout' : classifyError(err);
      const detail =
        ssrf !== undefined
          ? ssrf.message
          : timedOut
            ? `no complete answer from ${target.origin} within ${this.totalTimeoutMs} ms`
            : `${describeClass[errorClass]} (${target.origin}): ${err instanceof Error ? err.message : String(err)}`;
      return { kind: 'error', errorClass, message: redact(detail, secretsOf(headers)), latencyMs: elapsed() };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A target URL's parts; every room's URL is parsed once, not on every send. */
  private parse(url: string): { origin: string; path: string; protocol: string } | undefined {
    let parts = this.parsed.get(url);
    if (parts === undefined) {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return undefined;
      }
      parts = {
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        protocol: target.protocol,
      };
      remember(this.parsed, url, parts, 1_000);
    }
    return parts;
  }

  /** Closes the pools: in-flight requests finish, idle connections close. Safe to call twice. */
  async close(): Promise<void> {
    this.closing ??= this.agent.close();
    await this.closing;
  }
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  // StringDecoder holds back a multi-byte character cut at the 1 KB mark instead of mangling it.
  const decoder = new StringDecoder('utf8');
  let kept = 0;
  let total = 0;
  let text = '';
  for await (const chunk of body) {
    total += chunk.length;
    if (kept < excerptBytes) {
      const part = chunk.subarray(0, excerptBytes - kept);
      kept += part.length;
      text += decoder.write(part);
    }
    if (total > drainBytes) {
      body.destroy();
      break;
    }
  }
  return text;
}
