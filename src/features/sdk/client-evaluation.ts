import type { Context } from '../../evaluation/context.js';
import { type EvaluationData, evaluateFlag } from '../../evaluation/evaluate-flag.js';
import { jsonEqual } from '../../shared/json-equal.js';
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
  /** Each flag and segment serialized, to tell which changed from one data to the next. */
  readonly texts: {
    readonly flags: ReadonlyMap<string, string>;
    readonly segments: ReadonlyMap<string, string>;
  };
  /** The evaluator's view of it, built once rather than per flag evaluated. */
  readonly lookup: EvaluationData;
}

/** Parses `{"flags":{…},"segments":{…}}` (the payload's body) into `ClientData`. */
export function clientData(body: string | Buffer, version: number): ClientData {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const parsed = JSON.parse(text) as { flags: Record<string, SdkFlag>; segments: Record<string, SdkSegment> };
  const flags = new Map(Object.entries(parsed.flags));
  const segments = new Map(Object.entries(parsed.segments));
  const textsOf = (items: ReadonlyMap<string, unknown>) =>
    new Map([...items].map(([key, item]) => [key, JSON.stringify(item)]));
  const lookup: EvaluationData = { flag: (key) => flags.get(key), segment: (key) => segments.get(key) };
  return { flags, segments, version, texts: { flags: textsOf(flags), segments: textsOf(segments) }, lookup };
}

function differing(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => before.get(key) !== after.get(key));
}

/**
 * The flags whose result may differ for some context between two versions of an environment:
 * those changed, those matching segments when a segment changed, and those that depend on any
 * of these as prerequisites (transitively). The streams re-evaluate only these, so a change to
 * one flag costs one evaluation per connected context, not one per flag.
 */
export function affectedFlags(before: ClientData, after: ClientData): Set<string> {
  const affected = new Set(differing(before.texts.flags, after.texts.flags));
  if (differing(before.texts.segments, after.texts.segments).length > 0) {
    for (const flag of after.flags.values()) {
      const usesSegments = flag.rules.some((rule) => rule.clauses.some((c) => c.op === 'segmentMatch'));
      if (usesSegments) affected.add(flag.key);
    }
  }
  for (let grew = affected.size > 0; grew; ) {
    grew = false;
    for (const flag of after.flags.values()) {
      if (affected.has(flag.key)) continue;
      if (flag.prerequisites.some((p) => affected.has(p.key))) {
        affected.add(flag.key);
        grew = true;
      }
    }
  }
  return affected;
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

/**
 * Per data, per flag: the result of each variation when it carries no reason (most results), one
 * object shared by every context that gets it. Client streams keep each context's last results,
 * so 5,000 contexts × 200 flags are pointers to these, not a million objects of their own.
 */
const sharedResults = new WeakMap<ClientData, Map<string, (ClientFlagResult | undefined)[]>>();

function sharedResult(data: ClientData, flag: SdkFlag, index: number, value: unknown): ClientFlagResult {
  let byFlag = sharedResults.get(data);
  if (byFlag === undefined) {
    byFlag = new Map();
    sharedResults.set(data, byFlag);
  }
  let results = byFlag.get(flag.key);
  if (results === undefined) {
    results = [];
    byFlag.set(flag.key, results);
  }
  let result = results[index];
  if (result === undefined) {
    result = {
      value: value ?? null,
      variation: index,
      version: data.version,
      flagVersion: flag.version,
      trackEvents: flag.trackEvents,
    };
    results[index] = result;
  }
  return result;
}

/** One flag's result for the context. */
export function clientResult(
  data: ClientData,
  flag: SdkFlag,
  context: Context,
  withReasons: boolean,
): ClientFlagResult {
  const detail = evaluateFlag(flag, context, data.lookup);
  const experiment = isExperiment(flag, detail.reason);
  const index = detail.variationIndex;
  if (!withReasons && !experiment && index !== undefined && index !== null) {
    return sharedResult(data, flag, index, detail.value);
  }
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

/** Every flag the client may read, evaluated for the context: a stream's `put`. */
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

/**
 * Whether a context's result is the same apart from its versions: what tells a client stream
 * whether to send it. A flag edited without changing what this context gets (another target, a
 * toggle that serves the same variation) sends it nothing; its events then carry the flag version
 * it last got, as LaunchDarkly only uses that to label counts.
 */
export function sameResult(a: ClientFlagResult, b: ClientFlagResult): boolean {
  return (
    a === b ||
    (a.variation === b.variation &&
      a.trackEvents === b.trackEvents &&
      a.trackReason === b.trackReason &&
      jsonEqual(a.value, b.value) &&
      jsonEqual(a.reason, b.reason))
  );
}

/** The results as the JSON object the SDKs read, keyed by flag key. */
export function resultsJson(results: ReadonlyMap<string, ClientFlagResult>): string {
  return JSON.stringify(Object.fromEntries(results));
}

/** A flag a kind of client may read, with the JSON of its reasonless results per variation. */
interface Visible {
  readonly flag: SdkFlag;
  readonly key: string;
  readonly fragments: (string | undefined)[];
}

/**
 * Per data and kind of client: the flags it may read, each with the JSON of each variation's
 * result when it carries no reason, which is most answers (no `withReasons`, no experiment).
 * Such a result depends only on the flag, the variation and the data version, so an `evalx`
 * answer is mostly fragments made once per change, not 200 objects built and serialized per
 * request.
 */
const visibleByData = new WeakMap<ClientData, Map<ClientKind, Visible[]>>();

function visibleTo(data: ClientData, kind: ClientKind): Visible[] {
  let byKind = visibleByData.get(data);
  if (byKind === undefined) {
    byKind = new Map();
    visibleByData.set(data, byKind);
  }
  let visible = byKind.get(kind);
  if (visible === undefined) {
    visible = [...data.flags.values()]
      .filter((flag) => !flag.deleted && availableTo(flag, kind))
      .map((flag) => ({ flag, key: JSON.stringify(flag.key), fragments: [] }));
    byKind.set(kind, visible);
  }
  return visible;
}

/**
 * `resultsJson(clientResults(data, context, kind, withReasons))`, the same text, built from the
 * per-variation fragments where a result has no reason.
 */
export function clientResultsJson(
  data: ClientData,
  context: Context,
  kind: ClientKind,
  withReasons: boolean,
): string {
  let json = '';
  for (const { flag, key, fragments } of visibleTo(data, kind)) {
    const detail = evaluateFlag(flag, context, data.lookup);
    const index = detail.variationIndex;
    let fragment: string | undefined;
    if (withReasons || index === undefined || index === null || isExperiment(flag, detail.reason)) {
      fragment = JSON.stringify(clientResult(data, flag, context, withReasons));
    } else {
      fragment = fragments[index];
      if (fragment === undefined) {
        const result: ClientFlagResult = {
          value: detail.value ?? null,
          variation: index,
          version: data.version,
          flagVersion: flag.version,
          trackEvents: flag.trackEvents,
        };
        fragment = JSON.stringify(result);
        fragments[index] = fragment;
      }
    }
    json += json === '' ? `{${key}:${fragment}` : `,${key}:${fragment}`;
  }
  return json === '' ? '{}' : `${json}}`;
}
