import { describe, expect, it } from 'vitest';
import { diffJson } from './json-diff';

describe('diffJson', () => {
  it('lists the leaves that changed, were added or removed', () => {
    const before = { name: 'A', environments: { production: { on: false, version: 1 } }, tags: ['x'] };
    const after = { name: 'A', environments: { production: { on: true, version: 2 } }, tags: [], extra: 1 };
    expect(diffJson(before, after)).toEqual([
      { path: '/environments/production/on', before: 'false', after: 'true' },
      { path: '/tags/0', before: '"x"' },
      { path: '/tags', after: '[]' },
      { path: '/extra', after: '1' },
    ]);
  });

  it('treats a created or deleted resource as all added or all removed', () => {
    expect(diffJson(undefined, { a: 1 })).toEqual([{ path: '/a', after: '1' }]);
    expect(diffJson({ a: 1 }, undefined)).toEqual([{ path: '/a', before: '1' }]);
  });
});
