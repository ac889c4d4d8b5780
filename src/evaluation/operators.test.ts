import { describe, expect, it } from 'vitest';
import { clauseTest } from './operators.js';
import { compareSemVer, parseSemVer } from './semver.js';

const holds = (op: string, a: unknown, b: unknown) => clauseTest(op, [b])(a);

describe('clause operators', () => {
  it('in compares by identity of type and value', () => {
    expect(holds('in', 'a', 'a')).toBe(true);
    expect(holds('in', 1, 1)).toBe(true);
    expect(holds('in', '1', 1)).toBe(false);
    expect(holds('in', true, true)).toBe(true);
    expect(holds('in', { a: 1 }, { a: 1 })).toBe(false);
  });

  it('string operators need two strings', () => {
    expect(holds('startsWith', 'Dr. No', 'Dr.')).toBe(true);
    expect(holds('endsWith', 'x@acme.com', '@acme.com')).toBe(true);
    expect(holds('contains', 'alphabet', 'pha')).toBe(true);
    expect(holds('contains', 12345, '23')).toBe(false);
    expect(holds('startsWith', 'abc', 1)).toBe(false);
  });

  it('matches is an unanchored regular expression; a bad pattern never matches', () => {
    expect(holds('matches', 'user42', '[a-z]+\\d{2}')).toBe(true);
    expect(holds('matches', 'x user42 y', '^[a-z]+\\d{2}$')).toBe(false);
    expect(holds('matches', 'a', '[')).toBe(false);
    expect(holds('matches', 7, '7')).toBe(false);
  });

  it('number operators need two numbers', () => {
    expect(holds('lessThan', 1, 2)).toBe(true);
    expect(holds('lessThan', 2, 2)).toBe(false);
    expect(holds('lessThanOrEqual', 2, 2)).toBe(true);
    expect(holds('greaterThan', 3, 2)).toBe(true);
    expect(holds('greaterThanOrEqual', 2, 2)).toBe(true);
    expect(holds('lessThan', '1', 2)).toBe(false);
  });

  it('dates are RFC 3339 strings or Unix milliseconds', () => {
    const t = Date.UTC(2024, 0, 1);
    expect(holds('before', '2023-12-31T23:59:59Z', t)).toBe(true);
    expect(holds('after', t + 1, '2024-01-01T00:00:00Z')).toBe(true);
    expect(holds('after', '2024-01-01T02:00:00.5+01:00', '2024-01-01T00:00:00Z')).toBe(true);
    expect(holds('before', '2023-12-31', t)).toBe(false);
    expect(holds('before', true, t)).toBe(false);
  });

  it('semantic versions pad missing parts and order prereleases first', () => {
    expect(holds('semVerEqual', '2', '2.0.0')).toBe(true);
    expect(holds('semVerEqual', '2.1', '2.1.0')).toBe(true);
    expect(holds('semVerEqual', '2.0.0+build', '2.0.0')).toBe(true);
    expect(holds('semVerLessThan', '2.0.0-rc.1', '2.0.0')).toBe(true);
    expect(holds('semVerLessThan', '2.0.0-rc.2', '2.0.0-rc.10')).toBe(true);
    expect(holds('semVerLessThan', '2.0.0-1', '2.0.0-alpha')).toBe(true);
    expect(holds('semVerGreaterThan', '10.0.0', '9.9.9')).toBe(true);
    expect(holds('semVerEqual', 'v2.0.0', '2.0.0')).toBe(false);
    expect(holds('semVerEqual', '01.0.0', '1.0.0')).toBe(false);
    expect(holds('semVerEqual', 2, '2.0.0')).toBe(false);
    expect(parseSemVer('1.2.3-01')).toBeNull();
    const a = parseSemVer('1.0.0-alpha');
    const b = parseSemVer('1.0.0-alpha.1');
    expect(a && b && compareSemVer(a, b)).toBe(-1);
  });

  it('a clause matches when any of its values does', () => {
    expect(clauseTest('in', ['a', 2, true])(2)).toBe(true);
    expect(clauseTest('in', ['a', 2, true])('2')).toBe(false);
    expect(clauseTest('endsWith', [1, '.com'])('x.com')).toBe(true);
    expect(clauseTest('before', ['junk', 10])(5)).toBe(true);
    expect(clauseTest('semVerEqual', ['x', '1.0'])('1.0.0')).toBe(true);
    expect(clauseTest('matches', ['[', 'b'])('abc')).toBe(true);
  });

  it('an unknown operator never matches', () => {
    expect(holds('isOneOfTheseDays', 'a', 'a')).toBe(false);
  });
});
