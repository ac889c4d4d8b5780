import type { Context } from '../../evaluation/context.js';
import { evaluateFlag } from '../../evaluation/evaluate-flag.js';
import type { SdkFlag, SdkSegment } from './sdk-model.js';

/** Which client SDKs may read a flag: browsers (client-side ID) or mobile apps (mobile key). */
export type ClientKind = 'browser' | 'mobile';

type Reason = ReturnType<typeof evaluateFlag>['reason'];

/**
 * One flag's result for one context, as LaunchDarkly's client-side SDKs parse it (js-core
 * `sdk-client` `Flag`): `version` orders updates (a patch whose version is not higher than what
 * the SDK holds is ignored), `flagVersion` is the flag's own version, for events.
 */
export interface ClientFlagResult {
  readonly value: unknown;
  readonly variation?: number;
  readonly version: number;
  readonly flagVersion: number;
  readonly trackEvents: boolean;
  readonly trackReason?: true;
  readonly reason?: Reason;
}

/** An environment's flags and segments as objects, read from its SDK payload once per change. */
export interface ClientData {
  readonly flags: ReadonlyMap<string, SdkFlag>;
  readonly segments: ReadonlyMap<string, SdkSegment>;
  /**
   * The `version` every result of this data carries. It grows with every change of the
   * environment, so a result changed by a segment or a prerequisite (the flag's own version
   * unchanged) still reaches the SDK as newer.
   */
  readonly version: number;
}

/** Parses `{"flags":{…},"segments":{…}}` (the payload's body) into `ClientData`. */
export function clientData(body: string | Buffer, version: number): ClientData {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const parsed = JSON.parse(text) as { flags: Record<string, SdkFlag>; segments: Record<string, SdkSegment> };
  return {
    flags: new Map(Object.entries(parsed.flags)),
    segments: new Map(Object.entries(parsed.segments)),
    version,
  };
}

export function availableTo(flag: SdkFlag, kind: ClientKind): boolean {
  return kind === 'browser'
    ? flag.clientSideAvailability.usingEnvironmentId
    : flag.clientSideAvailability.usingMobileKey;
}

/**
 * Whether LaunchDarkly's SDKs must send full events with the reason for this result: the context
 * is in an experiment, or matched a rule or fallthrough that tracks events.
 */
function isExperiment(flag: SdkFlag, reason: Reason): boolean {
  const r = reason as { kind: string; ruleIndex?: number; inExperiment?: boolean };
  if (r.inExperiment === true) return true;
  if (r.kind === 'FALLTHROUGH') return flag.trackEventsFallthrough;
  if (r.kind === 'RULE_MATCH' && r.ruleIndex !== undefined)
    return flag.rules[r.ruleIndex]?.trackEvents === true;
  return false;
}

/** One flag's result for the context. */
export function clientResult(
  data: ClientData,
  flag: SdkFlag,
  context: Context,
  withReasons: boolean,
): ClientFlagResult {
  const detail = evaluateFlag(flag, context, {
    flag: (key) => data.flags.get(key),
    segment: (key) => data.segments.get(key),
  });
  const experiment = isExperiment(flag, detail.reason);
  return {
    value: detail.value ?? null,
    ...(detail.variationIndex === undefined || detail.variationIndex === null
      ? {}
      : { variation: detail.variationIndex }),
    version: data.version,
    flagVersion: flag.version,
    trackEvents: flag.trackEvents || experiment,
    ...(experiment ? { trackReason: true as const } : {}),
    // The SDK sends the reason in events of experiments, so it gets it whether asked or not.
    ...(withReasons || experiment ? { reason: detail.reason } : {}),
  };
}

/** Every flag the client may read, evaluated for the context: the `evalx` answer and the `put`. */
export function clientResults(
  data: ClientData,
  context: Context,
  kind: ClientKind,
  withReasons: boolean,
): Map<string, ClientFlagResult> {
  const results = new Map<string, ClientFlagResult>();
  for (const flag of data.flags.values()) {
    if (flag.deleted || !availableTo(flag, kind)) continue;
    results.set(flag.key, clientResult(data, flag, context, withReasons));
  }
  return results;
}

/** The results as the JSON object the SDKs read, keyed by flag key. */
export function resultsJson(results: ReadonlyMap<string, ClientFlagResult>): string {
  return JSON.stringify(Object.fromEntries(results));
}
