import { describe, expect, it } from 'vitest';
import { ACTION_CATALOG, ALL_ACTIONS } from './action-catalog.js';
import { RESOURCE_TYPE_PARENTS } from './resource-types.js';

describe('the action catalog', () => {
  it('covers the resource types that have actions', () => {
    expect(Object.keys(ACTION_CATALOG).every((type) => RESOURCE_TYPE_PARENTS.has(type))).toBe(true);
  });

  it('holds the documented names', () => {
    expect(ACTION_CATALOG.flag).toContain('updateGlobalArchived');
    expect(ACTION_CATALOG.member).toEqual(['createMember', 'updateRole', 'updateCustomRole', 'deleteMember']);
    expect(ALL_ACTIONS.has('updateOn')).toBe(true);
    expect(ALL_ACTIONS.has('updateon')).toBe(false);
  });

  it('lists every shared name once', () => {
    const all = Object.values(ACTION_CATALOG).flat();
    expect(ALL_ACTIONS.size).toBe(new Set(all).size);
    expect(all.filter((action) => action === 'updateName').length).toBe(7);
  });
});
