import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, GlobKind, matchGlob } from './glob.js';

describe('compileGlob', () => {
  it.each([
    ['*', GlobKind.Any],
    ['**', GlobKind.Any],
    ['production', GlobKind.Exact],
    ['', GlobKind.Exact],
    ['ops_*', GlobKind.Prefix],
    ['*_banner', GlobKind.Suffix],
    ['*ops*', GlobKind.Contains],
    ['a*b', GlobKind.Parts],
    ['a*b*c', GlobKind.Parts],
    ['*a*b', GlobKind.Parts],
  ])('%s compiles to kind %i', (source, kind) => {
    expect(compileGlob(source).kind).toBe(kind);
  });
});

describe('matchGlob', () => {
  it.each<[string, string, boolean]>([
    ['*', '', true],
    ['*', 'anything', true],
    ['production', 'production', true],
    ['production', 'Production', false],
    ['production', 'production-eu', false],
    ['ops_*', 'ops_killswitch', true],
    ['ops_*', 'ops_', true],
    ['ops_*', 'web_banner', false],
    ['*_banner', 'web_banner', true],
    ['*_banner', 'web_banner2', false],
    ['*ops*', 'devops-team', true],
    ['*ops*', 'dev-team', false],
    ['a*b', 'ab', true],
    ['a*b', 'axxb', true],
    ['a*b', 'a', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['a*b*c', 'abbc', true],
    ['*a*b', 'xaxb', true],
    ['*a*b', 'xbxa', false],
    ['ab*bc', 'abc', false],
    ['a,b', 'a,b', true],
    ['a.b', 'axb', false],
  ])('%s ~ %j → %s', (glob, text, expected) => {
    expect(matchGlob(compileGlob(glob), text)).toBe(expected);
  });

  // A regular expression is the obvious reference implementation; the compiled forms must agree.
  it('agrees with a regular-expression reference on random globs and strings', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '*');
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 8 });
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 7 }), text, (glob, candidate) => {
        const reference = new RegExp(`^${glob.split('*').map(escapeRegExp).join('.*')}$`, 's');
        expect(matchGlob(compileGlob(glob), candidate)).toBe(reference.test(candidate));
      }),
      { numRuns: 5000 },
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
