import { compareSemVer, parseSemVer } from './semver.js';

/**
 * Clause operators, one value against one clause value. A value of the wrong type never matches
 * (and is not an error), as in every LaunchDarkly SDK.
 */
export type Operator = (value: unknown, clauseValue: unknown) => boolean;

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

function strings(test: (a: string, b: string) => boolean): Operator {
  return (a, b) => typeof a === 'string' && typeof b === 'string' && test(a, b);
}

function numbers(test: (a: number, b: number) => boolean): Operator {
  return (a, b) => typeof a === 'number' && typeof b === 'number' && test(a, b);
}

function dates(test: (a: number, b: number) => boolean): Operator {
  return (a, b) => {
    const x = dateValue(a);
    const y = dateValue(b);
    return x !== undefined && y !== undefined && test(x, y);
  };
}

function semVers(test: (order: number) => boolean): Operator {
  return (a, b) => {
    const x = parseSemVer(a);
    const y = parseSemVer(b);
    return x !== null && y !== null && test(compareSemVer(x, y));
  };
}

const operators: ReadonlyMap<string, Operator> = new Map<string, Operator>([
  ['in', (a, b) => a === b],
  ['endsWith', strings((a, b) => a.endsWith(b))],
  ['startsWith', strings((a, b) => a.startsWith(b))],
  ['matches', strings((a, b) => compiled(b)?.test(a) === true)],
  ['contains', strings((a, b) => a.includes(b))],
  ['lessThan', numbers((a, b) => a < b)],
  ['lessThanOrEqual', numbers((a, b) => a <= b)],
  ['greaterThan', numbers((a, b) => a > b)],
  ['greaterThanOrEqual', numbers((a, b) => a >= b)],
  ['before', dates((a, b) => a < b)],
  ['after', dates((a, b) => a > b)],
  ['semVerEqual', semVers((c) => c === 0)],
  ['semVerLessThan', semVers((c) => c < 0)],
  ['semVerGreaterThan', semVers((c) => c > 0)],
]);

const never: Operator = () => false;

/** An unknown operator matches nothing (a newer LaunchDarkly operator this code does not know). */
export function operator(name: string): Operator {
  return operators.get(name) ?? never;
}
