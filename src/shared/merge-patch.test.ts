import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/app-errors.js';
import { applyPatchRequest, parsePatchBody, patchDelta } from './json-patch.js';
import { applyMergePatch, checkMergeDocument } from './merge-patch.js';

describe('JSON merge patch (RFC 7386)', () => {
  // The test cases of RFC 7386, appendix A.
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('merges %j with %j into %j', (target, patch, result) => {
    expect(applyMergePatch(target, patch)).toEqual(result);
  });

  it('leaves the document and the patch as they were', () => {
    const target = { a: { b: 1, c: [1] }, d: 2 };
    const patch = { a: { b: null, e: [3] } };
    const copyT = structuredClone(target);
    const copyP = structuredClone(patch);
    const merged = applyMergePatch<unknown>(target, patch) as { a: { e: number[] } };
    merged.a.e.push(4);
    expect(target).toEqual(copyT);
    expect(patch).toEqual(copyP);
  });

  it('refuses a document that is not an object, or names a prototype key, by pointer', () => {
    expect(() => checkMergeDocument([1], '/merge')).toThrow(ValidationError);
    const proto = JSON.parse('{"a": {"__proto__": {"x": 1}}}');
    expect(() => checkMergeDocument(proto, '/merge')).toThrow(/\/merge\/a\/__proto__/);
  });
});

describe('patch bodies with a merge', () => {
  it('reads {merge, comment} where the route takes merges, and refuses it elsewhere', () => {
    const request = parsePatchBody({ merge: { name: 'N' }, comment: 'why' }, { merge: true });
    expect(request).toEqual({ patch: [], comment: 'why', merge: { name: 'N' } });
    expect(applyPatchRequest({ name: 'O', key: 'k' }, request)).toEqual({ name: 'N', key: 'k' });
    expect(patchDelta(request)).toEqual({ name: 'N' });
    expect(() => parsePatchBody({ merge: { name: 'N' } })).toThrow(/merge patch is not supported/);
    expect(() => parsePatchBody({ merge: { a: 1 }, patch: [] }, { merge: true })).toThrow(ValidationError);
    expect(() => parsePatchBody({ merge: 'x' }, { merge: true })).toThrow(/must be an object/);
    expect(() => parsePatchBody({ merge: {}, comment: 1 }, { merge: true })).toThrow(/string/);
  });

  it('still reads JSON Patch the same way with merges allowed', () => {
    const ops = [{ op: 'replace' as const, path: '/name', value: 'N' }];
    const request = parsePatchBody(ops, { merge: true });
    expect(request.merge).toBeUndefined();
    expect(applyPatchRequest({ name: 'O' }, request)).toEqual({ name: 'N' });
    expect(patchDelta(request)).toEqual(ops);
  });
});
