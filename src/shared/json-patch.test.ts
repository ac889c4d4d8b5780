import type { Operation } from 'fast-json-patch';
import fjp from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../errors/app-errors.js';
import { applyJsonPatch, parsePatchBody } from './json-patch.js';

const flag = () => ({
  key: 'f',
  tags: ['a'],
  'a/b': { '~x': 1 },
  environments: {
    production: { on: false, rules: [{ clauses: [{ values: ['x'] }] }], targets: [] as unknown[] },
    test: { on: true, rules: [] as unknown[], targets: [] as unknown[] },
  },
});

const cases: [string, Operation[]][] = [
  ['a toggle', [{ op: 'replace', path: '/environments/production/on', value: true }]],
  [
    'a test, then a replace',
    [
      { op: 'test', path: '/environments/production/on', value: false },
      { op: 'replace', path: '/environments/production/on', value: true },
    ],
  ],
  [
    'an append to an array, then an edit inside it',
    [
      { op: 'add', path: '/environments/production/rules/-', value: { clauses: [] } },
      { op: 'add', path: '/environments/production/rules/1/clauses/-', value: { values: ['y'] } },
    ],
  ],
  [
    'a deep edit and a removal',
    [
      { op: 'add', path: '/environments/production/rules/0/clauses/0/values/-', value: 'z' },
      { op: 'remove', path: '/tags/0' },
    ],
  ],
  [
    'a move, then an edit of what moved',
    [
      { op: 'move', from: '/environments/production/rules/0', path: '/environments/test/rules/0' },
      { op: 'replace', path: '/environments/test/rules/0/clauses/0/values/0', value: 'moved' },
    ],
  ],
  [
    'a copy, then an edit of the copy',
    [
      { op: 'copy', from: '/environments/production', path: '/environments/staging' },
      { op: 'replace', path: '/environments/staging/rules/0/clauses/0/values/0', value: 'copied' },
    ],
  ],
  ['escaped pointer tokens', [{ op: 'replace', path: '/a~1b/~0x', value: 2 }]],
  ['the whole document', [{ op: 'replace', path: '', value: { key: 'g' } }]],
];

describe('applyJsonPatch', () => {
  it.each(cases)('%s: the result of a full copy, and the original untouched', (_name, patch) => {
    const original = flag();
    const expected = fjp.applyPatch(
      structuredClone(original),
      structuredClone(patch),
      true,
      true,
    ).newDocument;
    const patched = applyJsonPatch(original, patch);
    expect(patched).toEqual(expected);
    expect(original).toEqual(flag());
    // The request's values are copied in, not linked: the patched document is the server's.
    for (const op of patch) if ('value' in op) expect(patched).not.toBe(op.value);
  });

  it('a failed test is a conflict; a path that does not resolve is a 400 naming the operation', () => {
    expect(() => applyJsonPatch(flag(), [{ op: 'test', path: '/key', value: 'g' }])).toThrow(ConflictError);
    try {
      applyJsonPatch(
        flag(),
        [
          { op: 'test', path: '/key', value: 'f' },
          { op: 'replace', path: '/nope/x', value: 1 },
        ],
        '/patch',
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems[0]?.pointer).toBe('/patch/1/path');
    }
  });
});

describe('parsePatchBody', () => {
  it.each([
    ['/__proto__/x', 'path'],
    ['/a/constructor/prototype/x', 'path'],
    ['/constructor', 'from'],
    ['/tags/prototype', 'from'],
  ])("a pointer %s is refused at the operation's %s", (pointer, field) => {
    const op =
      field === 'from' ? { op: 'copy', from: pointer, path: '/x' } : { op: 'add', path: pointer, value: 1 };
    try {
      parsePatchBody({ patch: [{ op: 'test', path: '/key', value: 'f' }, op] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems[0]?.pointer).toBe(`/patch/1/${field}`);
    }
  });

  it('a token that only contains those words is a field like any other', () => {
    expect(
      parsePatchBody([{ op: 'add', path: '/customProperties/my__proto__s', value: 1 }]).patch,
    ).toHaveLength(1);
    expect(parsePatchBody([{ op: 'add', path: '/a~1constructor', value: 1 }]).patch).toHaveLength(1);
  });
});
