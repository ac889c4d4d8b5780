import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from './did-you-mean.js';

describe('didYouMean', () => {
  const types = ['proj', 'env', 'flag', 'segment', 'metric', 'member'];

  it.each([
    ['flags', 'flag'],
    ['FLAG', 'flag'],
    ['flga', 'flag'],
    ['segmnet', 'segment'],
    ['members', 'member'],
    ['environment', 'env'],
    ['goal', 'metric'],
  ])('%s → %s', (input, expected) => {
    expect(didYouMean(input, types, { goal: 'metric' })).toBe(expected);
  });

  it.each(['banana', 'x', 'a'.repeat(500)])('has nothing for %s', (input) => {
    expect(didYouMean(input, types)).toBeUndefined();
  });

  it('ignores inherited names in the synonym table', () => {
    expect(didYouMean('constructor', types, {})).toBeUndefined();
  });
});

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['flag', 'flags', 1],
    ['flag', 'falg', 1],
    ['kitten', 'sitting', 3],
  ])('%s ↔ %s = %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });
});
