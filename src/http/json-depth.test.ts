import { describe, expect, it } from 'vitest';
import { nestedDeeperThan } from './json-depth.js';

const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('nestedDeeperThan', () => {
  it('counts arrays and objects alike, up to the limit and one past it', () => {
    expect(nestedDeeperThan(arrays(3), 3)).toBe(false);
    expect(nestedDeeperThan(arrays(4), 3)).toBe(true);
    expect(nestedDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(nestedDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
    // Siblings do not add up: depth is how far in, not how many.
    expect(nestedDeeperThan(`[${Array(100).fill('[[]]').join(',')}]`, 3)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(nestedDeeperThan('["[[[[{{{{"]', 1)).toBe(false);
    expect(nestedDeeperThan('["\\"[[[[", "\\\\"]', 1)).toBe(false);
    expect(nestedDeeperThan('["\\\\", [[]]]', 2)).toBe(true);
  });

  it('scalars and malformed text are left to the parser', () => {
    expect(nestedDeeperThan('"just a string"', 0)).toBe(false);
    expect(nestedDeeperThan('', 0)).toBe(false);
    expect(nestedDeeperThan(']]]]', 0)).toBe(false);
  });
});
