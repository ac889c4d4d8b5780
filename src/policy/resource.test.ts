import { describe, expect, it } from 'vitest';
import { formatResource, parseTaggedResource } from './resource.js';

describe('parseTaggedResource', () => {
  it('reads segments with tags', () => {
    expect(parseTaggedResource('proj/a;t1,t2:env/b:flag/c')).toEqual([
      { type: 'proj', key: 'a', tags: ['t1', 't2'] },
      { type: 'env', key: 'b', tags: [] },
      { type: 'flag', key: 'c', tags: [] },
    ]);
  });

  it('reads acct as one segment with an empty key', () => {
    expect(parseTaggedResource('acct')).toEqual([{ type: 'acct', key: '', tags: [] }]);
  });

  it('keeps a comma in a key', () => {
    expect(parseTaggedResource('proj/a,b')).toEqual([{ type: 'proj', key: 'a,b', tags: [] }]);
  });

  it.each([
    '',
    'proj',
    'proj/',
    '/a',
    'proj/a:',
    'proj/*',
    'proj/a;',
    'proj/a;x,,y',
    'proj/a;x;y',
    'flags/a',
    'env/a',
    'proj/a:flag/b',
    'acct:proj/a',
    'acct/x',
  ])('throws on %j', (text) => {
    expect(() => parseTaggedResource(text)).toThrow(/^invalid resource/);
  });
});

describe('formatResource', () => {
  it.each([
    ['proj/default:env/production:flag/new-checkout', 'proj/default:env/production:flag/new-checkout'],
    ['proj/a;mobile:env/b;qa_1', 'proj/a:env/b'],
    ['member/m:token/t', 'member/m:token/t'],
    ['acct', 'acct'],
  ])('formats %s without tags as %s', (text, formatted) => {
    expect(formatResource(parseTaggedResource(text))).toBe(formatted);
  });

  it('shows the key, not the aliases', () => {
    expect(formatResource([{ type: 'member', key: 'id1', tags: [], aliases: ['a@b.c'] }])).toBe('member/id1');
  });
});
