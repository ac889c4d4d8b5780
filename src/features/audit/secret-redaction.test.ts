import { describe, expect, it } from 'vitest';
import type { Actor } from './audit-model.js';
import { maskPatch, redacted, redactValues, withoutSecrets } from './secret-redaction.js';

const token = 'room-token-0123456789';

describe('redactValues', () => {
  it('replaces a secret wherever it is: whole values, inside text, keys, at any depth', () => {
    expect(
      redactValues({ a: token, b: [`pasted ${token} here`, 1, null, true], [token]: { c: [{ d: token }] } }, [
        token,
      ]),
    ).toEqual({
      a: redacted,
      b: [`pasted ${redacted} here`, 1, null, true],
      [redacted]: { c: [{ d: redacted }] },
    });
  });

  it('replaces a short secret only where it is a whole value, and ignores empty ones', () => {
    expect(redactValues({ a: 'ab', b: 'cabbage' }, ['ab', ''])).toEqual({ a: redacted, b: 'cabbage' });
    const value = { a: 'x' };
    expect(redactValues(value, [''])).toBe(value);
  });
});

describe('maskPatch', () => {
  const pointers = ['/config/token', '/secret'];

  it('masks a secret field whatever the shape of the operation', () => {
    expect(
      maskPatch(
        [
          { op: 'replace', path: '', value: { name: 'n', config: { room: 'r', token: 'new' }, secret: 's' } },
          { op: 'replace', path: '/config', value: { room: 'r', token: 'new' } },
          { op: 'add', path: '/config/token', value: 'new' },
          { op: 'test', path: '/secret', value: 'guess' },
          { op: 'add', path: '/config/token/x', value: 'odd' },
        ],
        pointers,
      ),
    ).toEqual([
      {
        op: 'replace',
        path: '',
        value: { name: 'n', config: { room: 'r', token: redacted }, secret: redacted },
      },
      { op: 'replace', path: '/config', value: { room: 'r', token: redacted } },
      { op: 'add', path: '/config/token', value: redacted },
      { op: 'test', path: '/secret', value: redacted },
      { op: 'add', path: '/config/token/x', value: redacted },
    ]);
  });

  it('leaves other operations as they are', () => {
    const patch = [
      { op: 'replace', path: '/name', value: { token: 'not a secret here' } },
      { op: 'remove', path: '/config/token' },
      { op: 'copy', from: '/config/token', path: '/name' },
    ];
    expect(maskPatch(patch, pointers)).toEqual(patch);
  });

  it('follows escaped keys', () => {
    expect(maskPatch([{ op: 'add', path: '', value: { 'a/b': { 'c~d': 's' } } }], ['/a~1b/c~0d'])).toEqual([
      { op: 'add', path: '', value: { 'a/b': { 'c~d': redacted } } },
    ]);
  });
});

describe('withoutSecrets', () => {
  const actor: Actor = { member: { _id: 'm', email: 'a@b.c' } };

  it('scrubs every part of the change an audit entry keeps', () => {
    const change = withoutSecrets(
      {
        kind: 'integration',
        name: `named ${token}`,
        actor,
        comment: token,
        accesses: [],
        titleVerb: 'updated the integration',
        changes: [`Changed the room to ${token}`],
        parent: { name: token, resource: 'x' },
        previousVersion: { config: { token } },
        currentVersion: { config: { token: 'other-secret-value' } },
        delta: [{ op: 'replace', path: '', value: { config: { token: 'failed-validation-secret' } } }],
      },
      { values: [token, 'other-secret-value', undefined], pointers: ['/config/token'] },
    );
    const text = JSON.stringify(change);
    for (const secret of [token, 'other-secret-value', 'failed-validation-secret'])
      expect(text).not.toContain(secret);
    expect(change.actor).toBe(actor);
    expect(change.name).toBe(`named ${redacted}`);
  });
});
