import { compareSemVer, parseSemVer, type SemVer } from './semver.js';

/**
 * Clause operators. A value of the wrong type never matches (and is not an error), as in every
 * LaunchDarkly SDK.
 */

// RFC 3339 as the SDKs check it before handing a string to Date.parse.
const rfc3339 = /^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d\d*)?(Z|[-+]\d\d(:\d\d)?)/;

/**
 * Parses strings through a small memo: one `evalx` evaluates every flag for the same context,
 * so each flag with a date or version clause would parse the same attribute again (a tenth of
 * the time of 200 flags, profiled). Bounded; cleared when full. Results are immutable.
 */
function remembered<T>(parse: (text: string) => T): (text: string) => T {
  const memo = new Map<string, T>();
  return (text) => {
    const known = memo.get(text);
    if (known !== undefined || memo.has(text)) return known as T;
    const parsed = parse(text);
    if (memo.size >= 1000) memo.clear();
    memo.set(text, parsed);
    return parsed;
  };
}

const dateOfString = remembered((text) => (rfc3339.test(text) ? Date.parse(text) : undefined));
const semVerOfString = remembered(parseSemVer);

function dateValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  return typeof value === 'string' ? dateOfString(value) : undefined;
}

function semVerValue(value: unknown): SemVer | null {
  return typeof value === 'string' ? semVerOfString(value) : parseSemVer(value);
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
    const x = wanted.length === 0 ? null : semVerValue(a);
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
