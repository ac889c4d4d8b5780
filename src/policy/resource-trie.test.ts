import { describe, expect, it } from 'vitest';
import { parseTaggedResource, type TaggedResource } from './resource.js';
import { compileResourcePattern } from './resource-pattern.js';
import { parseSpecifier } from './resource-specifier.js';
import { ResourceTrie } from './resource-trie.js';

const pattern = (spec: string) => {
  const parsed = parseSpecifier(spec);
  if (!parsed.ok) throw new Error(parsed.message);
  return compileResourcePattern(parsed.specifier, spec);
};

const reached = (trie: ResourceTrie, resource: TaggedResource): number[] => {
  const values: number[] = [];
  trie.walk(resource, (set) => values.push(...set));
  return values.sort((a, b) => a - b);
};

describe('ResourceTrie', () => {
  const trie = new ResourceTrie();
  const specs = [
    'proj/*:env/production:flag/*', // 0
    'proj/default:env/*:flag/ops_*', // 1
    'proj/default:env/production:flag/x', // 2
    'proj/*', // 3
    'proj/*:env/*:segment/*', // 4
    'member/alice@acme.com', // 5
    'member/*:token/*', // 6
    'acct', // 7
    'proj/*;mobile:env/*:flag/*', // 8
  ];
  specs.forEach((spec, value) => {
    trie.insert(pattern(spec), value);
  });

  it.each<[string, number[]]>([
    // Glob-keyed patterns are reached whatever the key; tags and key globs are left to the caller.
    ['proj/default:env/production:flag/x', [0, 1, 2, 8]],
    ['proj/other:env/production:flag/x', [0, 8]],
    ['proj/other:env/test:flag/x', [8]],
    ['proj/default', [3]],
    ['proj/default:env/test:segment/s', [4]],
    ['proj/default:env/test', []],
    ['member/m1:token/t', [6]],
    ['acct', [7]],
    ['role/ops', []],
  ])('%s reaches %j', (resource, expected) => {
    expect(reached(trie, parseTaggedResource(resource))).toEqual(expected);
  });

  it('reaches a literal key through an alias', () => {
    expect(reached(trie, [{ type: 'member', key: 'id-1', tags: [], aliases: ['alice@acme.com'] }])).toEqual([
      5,
    ]);
    expect(reached(trie, [{ type: 'member', key: 'id-1', tags: [], aliases: ['bob@acme.com'] }])).toEqual([]);
  });

  it('forgets a value deleted from its terminal', () => {
    const small = new ResourceTrie();
    const terminal = small.insert(pattern('proj/*'), 1);
    small.insert(pattern('proj/a'), 2);
    terminal.values.delete(1);
    expect(reached(small, parseTaggedResource('proj/a'))).toEqual([2]);
  });
});
