import { describe, expect, it } from 'vitest';
import { attributeReference, readReference } from './attribute-reference.js';
import { type Context, contextAttribute, contextKey, contextValue, parseContext } from './context.js';

function parsed(json: unknown): Context {
  const result = parseContext(json);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.context;
}

function problems(json: unknown): { pointer: string; message: string }[] {
  const result = parseContext(json);
  if (result.ok) throw new Error('expected the context to be rejected');
  return [...result.problems];
}

describe('parseContext', () => {
  it('reads a single-kind context', () => {
    const c = parsed({ kind: 'org', key: 'acme', plan: 'pro', anonymous: true });
    expect(c.multi).toBe(false);
    expect(c.kinds).toEqual(['org']);
    expect(contextKey(c, 'org')).toBe('acme');
    expect(contextKey(c)).toBeUndefined();
    expect(contextAttribute(c, 'org', 'plan')).toBe('pro');
    expect(contextAttribute(c, 'org', 'anonymous')).toBe(true);
  });

  it('reads a multi-kind context, and one of a single kind as that kind', () => {
    const c = parsed({ kind: 'multi', user: { key: 'u1', name: 'Ann' }, org: { key: 'o1' } });
    expect(c.multi).toBe(true);
    expect(c.kinds).toEqual(['user', 'org']);
    expect(contextAttribute(c, 'user', 'name')).toBe('Ann');
    expect(contextKey(c, 'org')).toBe('o1');
    const one = parsed({ kind: 'multi', device: { key: 'd1' } });
    expect(one.multi).toBe(false);
    expect(one.kinds).toEqual(['device']);
  });

  it('turns an old-style user into a user context, flattening custom', () => {
    const c = parsed({
      key: 42,
      name: 'Bo',
      custom: { plan: 'free', name: 'ignored' },
      anonymous: false,
      other: 1,
    });
    expect(c.kinds).toEqual(['user']);
    expect(contextKey(c)).toBe('42');
    expect(contextAttribute(c, 'user', 'plan')).toBe('free');
    expect(contextAttribute(c, 'user', 'name')).toBe('Bo');
    // Only the built-in attributes and custom were ever evaluated.
    expect(contextAttribute(c, 'user', 'other')).toBeUndefined();
    // Old-style users could have an empty key.
    expect(contextKey(parsed({ key: '' }))).toBe('');
  });

  it('keeps private attribute names', () => {
    expect(
      parsed({ kind: 'user', key: 'u', _meta: { privateAttributes: ['email'] } }).byKind.get('user')
        ?.privateAttributes,
    ).toEqual(['email']);
    expect(parsed({ key: 'u', privateAttributeNames: ['/x'] }).byKind.get('user')?.privateAttributes).toEqual(
      ['/x'],
    );
  });

  it('rejects bad input with a pointer to it', () => {
    expect(problems('user')).toEqual([{ pointer: '', message: 'A context must be a JSON object' }]);
    expect(problems({ kind: 'user' })[0]?.pointer).toBe('/key');
    expect(problems({ kind: 'user', key: '' })[0]?.pointer).toBe('/key');
    expect(problems({ kind: 'kind', key: 'k' })[0]?.pointer).toBe('/kind');
    expect(problems({ kind: 'a b', key: 'k' })[0]?.pointer).toBe('/kind');
    expect(problems({ kind: 7, key: 'k' })[0]?.pointer).toBe('/kind');
    expect(problems({ kind: 'multi' })[0]?.message).toMatch(/at least one kind/);
    expect(problems({ kind: 'multi', 'a/b': { key: 'k' } })[0]?.pointer).toBe('/a~1b');
    expect(problems({ kind: 'multi', multi: { key: 'k' }, org: { key: 'o' } })[0]?.pointer).toBe('/multi');
    expect(problems({ kind: 'multi', user: { key: 'u' }, org: 'o' })[0]?.pointer).toBe('/org');
    expect(problems({ kind: 'multi', user: { key: 'u' }, org: { key: 1 } })[0]?.pointer).toBe('/org/key');
    expect(problems({ kind: 'user', key: 'u', anonymous: 'yes' })[0]?.pointer).toBe('/anonymous');
    expect(problems({ kind: 'user', key: 'u', _meta: { privateAttributes: [1] } })[0]?.pointer).toBe(
      '/_meta/privateAttributes',
    );
    expect(problems({ name: 'no key' })[0]?.pointer).toBe('/key');
    expect(problems({ key: 'u', custom: [] })[0]?.pointer).toBe('/custom');
  });
});

describe('attribute references', () => {
  const c = parsed({
    kind: 'user',
    key: 'u',
    address: { city: 'Oslo' },
    'a/b': 1,
    'a~b': 2,
    '/x': 3,
    list: [{ y: 1 }],
    _meta: {},
  });

  it('walks nested objects and unescapes ~1 and ~0', () => {
    expect(contextAttribute(c, 'user', '/address/city')).toBe('Oslo');
    expect(contextAttribute(c, 'user', '/a~1b')).toBe(1);
    expect(contextAttribute(c, 'user', '/a~0b')).toBe(2);
    expect(contextAttribute(c, 'user', '/list/0')).toBeUndefined();
    expect(contextAttribute(c, 'user', '/address/city/x')).toBeUndefined();
    expect(contextAttribute(c, 'user', '/toString')).toBeUndefined();
  });

  it('treats a literal name as one attribute, even with a slash', () => {
    expect(contextValue(c, 'user', attributeReference('/x', true))).toBe(3);
    expect(contextValue(c, 'user', attributeReference('/x'))).toBeUndefined();
  });

  it('refuses what the SDKs refuse', () => {
    for (const bad of ['', '/', '//a', '/a//b', 'a~', '/a~2', '/_meta', '/_meta/privateAttributes']) {
      expect(attributeReference(bad).valid).toBe(false);
    }
    expect(attributeReference('', true).valid).toBe(false);
    expect(attributeReference('a~0', false).valid).toBe(true);
  });

  it('reads the kinds through the kind reference, whatever kind is asked', () => {
    const multi = parsed({ kind: 'multi', user: { key: 'u' }, org: { key: 'o' } });
    expect(contextAttribute(multi, 'org', 'kind')).toEqual(['user', 'org']);
    expect(contextAttribute(multi, 'device', '/kind')).toEqual(['user', 'org']);
    expect(contextAttribute(multi, 'device', 'key')).toBeUndefined();
  });

  it('reads anonymous as a boolean even when absent', () => {
    expect(contextAttribute(c, 'user', 'anonymous')).toBe(false);
  });

  it('does not index into arrays', () => {
    expect(readReference({ a: [1, 2] }, attributeReference('/a/0'))).toBeUndefined();
    expect(readReference({ a: [1, 2] }, attributeReference('/a'))).toEqual([1, 2]);
  });
});
