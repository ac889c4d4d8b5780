import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../errors/app-errors.js';
import type { SdkEnvironment, SdkKeyKind, SdkKeyResolver } from './sdk-credentials.js';

/** The key a request sent and the environment it opened. */
export interface SdkCredential {
  readonly key: string;
  readonly env: SdkEnvironment;
}

export interface SdkKeyAuth {
  /** The routes' `onRequest` hook: runs before the body is read, so a wrong key costs no parsing. */
  onRequest(request: FastifyRequest): Promise<void>;
  /** What `onRequest` found for this request. */
  credentialOf(request: FastifyRequest): SdkCredential;
}

/**
 * Authorization for SDK endpoints: the bare key in `Authorization` (some older SDKs prefix it
 * with `api_key `) must open an environment as a key of `kind`; anything else gets the same
 * 401, with no hint which part was wrong.
 */
export function sdkKeyAuth(keys: SdkKeyResolver, kind: SdkKeyKind): SdkKeyAuth {
  const opened = new WeakMap<FastifyRequest, SdkCredential>();
  const refused = () => new UnauthorizedError('Invalid or missing SDK key');
  return {
    async onRequest(request) {
      const key = /^(?:api_key +)?(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
      const env = key === undefined ? undefined : await keys.resolve(key, kind);
      if (key === undefined || env === undefined) throw refused();
      opened.set(request, { key, env });
    },
    credentialOf(request) {
      const found = opened.get(request);
      // onRequest refused the request otherwise: unreachable unless the hooks change.
      if (found === undefined) throw refused();
      return found;
    },
  };
}
