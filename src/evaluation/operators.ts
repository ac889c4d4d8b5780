import { compareSemVer, parseSemVer, type SemVer } from './semver.js';

/**
 * Clause operators. A value of the wrong type never matches (and is not an error), as in every
 * LaunchDarkly SDK.
 */

// RFC 3339 as the SDKs check it before handing a string to Date.parse.
const rfc3339 = /^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d\d*)?(Z|[-+]\d\d(:\d\d)?)/;

function dateValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && rfc3339.test(value)) return Date.parse(value);
  return undefined;
}

// A flag's patterns are few and evaluated often; compiling once matters for throughput.
const regexCache = new Map<string, RegExp | null>();
const regexCacheLimit = 1000;

function compiled(pattern: string): RegExp | null {
  let regex = regexCache.get(pattern);
  if (regex !== undefined) return regex;
  try {
    regex = new RegExp(pattern);
  } catch {
    regex = null;
  }
  if (regexCache.size >= regexCacheLimit) regexCache.clear();
  regexCache.set(pattern, regex);
  return regex;
}

type Test = (value: unknown) => boolean;

const never: Test = () => false;

// Each builder parses the clause's values once (flag data is immutable once loaded) and returns
// a test of one context value against all of them: a clause matches when any value does.

function strings(values: readonly unknown[], test: (a: string, b: string) => boolean): Test {
  const wanted = values.filter((v): v is string => typeof v === 'string');
  return (a) => typeof a === 'string' && wanted.some((b) => test(a, b));
}

function patterns(values: readonly unknown[]): Test {
  const regexes = values.flatMap((v) => {
    const regex = typeof v === 'string' ? compiled(v) : null;
    return regex === null ? [] : [regex];
  });
  return (a) => typeof a === 'string' && regexes.some((r) => r.test(a));
}

function numbers(values: readonly unknown[], test: (a: number, b: number) => boolean): Test {
  const wanted = values.filter((v): v is number => typeof v === 'number');
  return (a) => typeof a === 'number' && wanted.some((b) => test(a, b));
}

function dates(values: readonly unknown[], test: (a: number, b: number) => boolean): Test {
  const wanted = values.map(dateValue).filter((v): v is number => v !== undefined);
  return (a) => {
    const x = dateValue(a);
    return x !== undefined && wanted.some((y) => test(x, y));
  };
}

function semVers(values: readonly unknown[], test: (order: number) => boolean): Test {
  const wanted = values.map(parseSemVer).filter((v): v is SemVer => v !== null);
  return (a) => {
    const x = wanted.length === 0 ? null : parseSemVer(a);
    return x !== null && wanted.some((y) => test(compareSemVer(x, y)));
  };
}

/** `in` is strict equality: a number never equals a string, objects and arrays never match. */
function equals(values: readonly unknown[]): Test {
  const wanted = new Set(values.filter((v) => v === null || typeof v !== 'object'));
  // A Set also finds NaN, which `===` never equals.
  return (a) => !Number.isNaN(a) && wanted.has(a);
}

const builders: ReadonlyMap<string, (values: readonly unknown[]) => Test> = new Map([
  ['in', equals],
  ['endsWith', (v) => strings(v, (a, b) => a.endsWith(b))],
  ['startsWith', (v) => strings(v, (a, b) => a.startsWith(b))],
  ['matches', patterns],
  ['contains', (v) => strings(v, (a, b) => a.includes(b))],
  ['lessThan', (v) => numbers(v, (a, b) => a < b)],
  ['lessThanOrEqual', (v) => numbers(v, (a, b) => a <= b)],
  ['greaterThan', (v) => numbers(v, (a, b) => a > b)],
  ['greaterThanOrEqual', (v) => numbers(v, (a, b) => a >= b)],
  ['before', (v) => dates(v, (a, b) => a < b)],
  ['after', (v) => dates(v, (a, b) => a > b)],
  ['semVerEqual', (v) => semVers(v, (c) => c === 0)],
  ['semVerLessThan', (v) => semVers(v, (c) => c < 0)],
  ['semVerGreaterThan', (v) => semVers(v, (c) => c > 0)],
]);

/**
 * The test a clause applies to one context value. An unknown operator matches nothing (a newer
 * LaunchDarkly operator this code does not know).
 */
export function clauseTest(op: string, values: readonly unknown[]): Test {
  return builders.get(op)?.(values) ?? never;
}
