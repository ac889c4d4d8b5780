/**
 * What an SDK credential opens: one environment of one project. Server-side SDKs send the
 * environment's SDK key (`sdk-…`), mobile SDKs its mobile key (`mob-…`), both as the bare
 * `Authorization` header; browser SDKs name the environment's `_id` (client-side ID) in the path.
 * None of them may call the REST API, and the REST API's tokens open no SDK endpoint.
 */
export interface SdkEnvironment {
  readonly projectKey: string;
  readonly envKey: string;
  /** The environment's `_id`, which is also its client-side ID. */
  readonly environmentId: string;
}

export type SdkKeyKind = 'server' | 'mobile';

export interface SdkKeyResolver {
  /**
   * The environment a raw key opens, or undefined when it opens none: unknown, of the other
   * kind, or rotated out and past its grace period. Looked up by the key's hash, never by scanning.
   */
  resolve(raw: string, kind: SdkKeyKind): Promise<SdkEnvironment | undefined>;
}
