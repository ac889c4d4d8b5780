import { type FieldProblem, ValidationError } from '../../errors/app-errors.js';
import { maxKeyLength } from '../../http/common-schemas.js';

/**
 * What Switchboard keeps from an SDK's analytics payload (`POST /bulk`): how many times each
 * flag was evaluated to each variation. Contexts (in `index`, `identify`, `feature` and `custom`
 * events) are read only to check the payload's shape and never kept.
 */
export interface EvaluationCount {
  readonly flagKey: string;
  /** The variation index served, or null when the SDK served the application's default. */
  readonly variation: number | null;
  readonly count: number;
}

/**
 * The most events one payload may hold. The Node SDK buffers at most `capacity` (10,000 by
 * default) events plus one summary between flushes; twice that leaves room for other SDKs.
 */
export const maxEventsPerPayload = 20_000;

/** One counter above this is not an SDK's (it flushes every few seconds): refused, not stored. */
export const maxCounterCount = 1_000_000_000;

/** The event kinds of LaunchDarkly's schema 4 whose shape is checked; other kinds are skipped. */
const knownKinds = new Set(['summary', 'feature', 'debug', 'index', 'identify', 'custom']);

/** JSON pointer escaping (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function pointerPart(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A payload with more events than `maxEventsPerPayload`: too large, not malformed (413). */
export class TooManyEventsError extends Error {
  /** Read by the HTTP error mapper, as for Fastify's own 4xx errors. */
  readonly statusCode = 413;
  constructor(readonly count: number) {
    super(`A payload holds at most ${maxEventsPerPayload} events; this one holds ${count}`);
    this.name = 'TooManyEventsError';
  }
}

type Obj = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isIndex = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** A flag key Switchboard can hold; any other key names no flag here, so it is not counted. */
const flagKeyPattern = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${maxKeyLength - 1}}$`);

/** Collects problems (the first few) instead of stopping at the first one. */
class Problems {
  readonly list: FieldProblem[] = [];
  add(pointer: string, message: string): void {
    if (this.list.length < 20) this.list.push({ pointer, message });
  }
}

function checkOptionalNumber(event: Obj, field: string, at: string, problems: Problems): void {
  const value = event[field];
  if (value !== undefined && typeof value !== 'number') problems.add(`${at}/${field}`, 'must be a number');
}

function checkKey(event: Obj, at: string, problems: Problems): void {
  if (typeof event.key !== 'string') problems.add(`${at}/key`, 'must be a string');
}

/** Checks one summary counter; returns what it counts, or undefined (a problem, or nothing to count). */
function readCounter(
  counter: unknown,
  flagKey: string,
  at: string,
  problems: Problems,
): EvaluationCount | undefined {
  if (!isObject(counter)) {
    problems.add(at, 'must be an object');
    return undefined;
  }
  const { count, variation, version, unknown } = counter;
  if (!isIndex(count) || count < 1 || count > maxCounterCount) {
    problems.add(`${at}/count`, `must be an integer from 1 to ${maxCounterCount}`);
  } else if (variation !== undefined && !isIndex(variation)) {
    problems.add(`${at}/variation`, 'must be a non-negative integer');
  } else if (version !== undefined && !isIndex(version)) {
    problems.add(`${at}/version`, 'must be a non-negative integer');
  } else if (unknown !== undefined && typeof unknown !== 'boolean') {
    problems.add(`${at}/unknown`, 'must be a boolean');
  } else if (unknown !== true && flagKeyPattern.test(flagKey)) {
    // A flag the SDK did not know (or that Switchboard cannot hold) is no flag of this project.
    return { flagKey, variation: variation ?? null, count };
  }
  return undefined;
}

/** Adds the counters of one summary event's features to `counts`, keyed `flag\0variation`. */
function readSummary(event: Obj, at: string, problems: Problems, counts: Map<string, EvaluationCount>): void {
  checkOptionalNumber(event, 'startDate', at, problems);
  checkOptionalNumber(event, 'endDate', at, problems);
  const { features } = event;
  if (!isObject(features)) {
    problems.add(`${at}/features`, 'must be an object of flag keys to counters');
    return;
  }
  for (const [flagKey, feature] of Object.entries(features)) {
    const fat = `${at}/features/${pointerPart(flagKey)}`;
    if (!isObject(feature) || !Array.isArray(feature.counters)) {
      problems.add(`${fat}/counters`, 'must be an array');
      continue;
    }
    for (const [i, counter] of (feature.counters as unknown[]).entries()) {
      const read = readCounter(counter, flagKey, `${fat}/counters/${i}`, problems);
      if (read === undefined) continue;
      const id = `${flagKey}\u0000${read.variation ?? ''}`;
      counts.set(id, { ...read, count: (counts.get(id)?.count ?? 0) + read.count });
    }
  }
}

/** Checks one event of the payload; a summary's counters go to `counts`. */
function readEvent(
  event: unknown,
  at: string,
  problems: Problems,
  counts: Map<string, EvaluationCount>,
): void {
  if (!isObject(event)) {
    problems.add(at, 'must be an object');
    return;
  }
  if (typeof event.kind !== 'string') {
    problems.add(`${at}/kind`, 'must be a string');
    return;
  }
  if (!knownKinds.has(event.kind)) return;
  checkOptionalNumber(event, 'creationDate', at, problems);
  switch (event.kind) {
    case 'summary':
      readSummary(event, at, problems, counts);
      break;
    case 'feature':
    case 'debug':
      checkKey(event, at, problems);
      if (event.variation !== undefined && event.variation !== null && !isIndex(event.variation)) {
        problems.add(`${at}/variation`, 'must be a non-negative integer');
      }
      break;
    case 'custom':
      checkKey(event, at, problems);
      break;
    default:
      // index and identify carry a context only, which is not kept.
      break;
  }
}

/**
 * Reads a `POST /bulk` body (LaunchDarkly event schema 3 or 4) into evaluation counts per flag
 * and variation. Counts come from `summary` events only: the SDK summarizes every evaluation,
 * also those it sends in full as `feature` or `debug` events, so counting those would count
 * twice. Unknown kinds are skipped (newer SDKs send more); a malformed known event is a 400
 * naming it by JSON pointer, and nothing of the payload is kept.
 */
export function readAnalyticsPayload(body: unknown): EvaluationCount[] {
  if (!Array.isArray(body)) throw ValidationError.at('/', 'must be an array of events');
  if (body.length > maxEventsPerPayload) throw new TooManyEventsError(body.length);
  const problems = new Problems();
  const counts = new Map<string, EvaluationCount>();
  for (const [i, event] of (body as unknown[]).entries()) readEvent(event, `/${i}`, problems, counts);
  if (problems.list.length > 0) throw new ValidationError(problems.list);
  return [...counts.values()];
}

/** Checks a `POST /diagnostic` body: one object with a `kind`. Its content is not kept. */
export function readDiagnosticPayload(body: unknown): void {
  if (!isObject(body)) throw ValidationError.at('/', 'must be a diagnostic event object');
  if (typeof body.kind !== 'string') throw ValidationError.at('/kind', 'must be a string');
}

/** The longest `X-LaunchDarkly-Payload-ID` kept for de-duplication (SDKs send a UUID). */
export const maxPayloadIdLength = 128;
