import { describe, expect, it } from 'vitest';
import { describeVariationChanges } from './flag-variation-changes.js';

describe('describeVariationChanges', () => {
  const before = [
    { _id: 'a', value: 'red' },
    { _id: 'b', value: 'green', name: 'Green' },
  ];

  it('names each added, removed, revalued, renamed or redescribed variation', () => {
    expect(
      describeVariationChanges(before, [
        { _id: 'a', value: 'crimson', name: 'Red', description: 'warm' },
        { _id: 'c', value: 'blue', name: 'Blue' },
      ]),
    ).toEqual([
      'Changed the variation value *red* to *crimson*',
      'Changed the name of variation *crimson* from *(none)* to *Red*',
      'Changed the description of variation *crimson* from *(none)* to *warm*',
      'Added the variation *blue* (*Blue*)',
      'Removed the variation *green*',
    ]);
  });

  it('falls back to both lists when only the order changed', () => {
    expect(describeVariationChanges(before, [before[1], before[0]] as typeof before)).toEqual([
      'Changed the variations from *red*, *green* to *green*, *red*',
    ]);
  });
});
