import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors/app-errors.js';
import {
  ContextTooLargeError,
  contextFromBody,
  contextFromPath,
  maxContextBytes,
  maxEncodedContextLength,
} from './client-context.js';

const encode = (text: string, encoding: 'base64url' | 'base64' = 'base64url') =>
  Buffer.from(text).toString(encoding);

function pointerOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems[0]?.pointer;
    throw error;
  }
  return undefined;
}

describe('contextFromPath', () => {
  it('reads base64url (and the plain base64 of older SDKs) of the context JSON', () => {
    const json = '{"kind":"user","key":"ä/?>"}';
    expect(contextFromPath(encode(json)).context.byKind.get('user')?.key).toBe('ä/?>');
    expect(contextFromPath(encode(json, 'base64')).context.byKind.get('user')?.key).toBe('ä/?>');
  });

  it('gives identical contexts identical canonical text, however they came', () => {
    const context = { kind: 'user', key: 'alice', email: 'a@b.c' };
    expect(contextFromPath(encode(JSON.stringify(context))).canonical).toBe(
      contextFromBody(context).canonical,
    );
  });

  it('refuses what is not base64url, not JSON, or not a context, pointing into the path', () => {
    expect(pointerOf(() => contextFromPath('a*b'))).toBe('path /context');
    expect(pointerOf(() => contextFromPath(''))).toBe('path /context');
    expect(pointerOf(() => contextFromPath(encode('{"kind":')))).toBe('path /context');
    expect(pointerOf(() => contextFromPath(encode('{"kind":"user"}')))).toBe('path /context/key');
  });

  it('refuses a context over the bound before decoding it', () => {
    expect(() => contextFromPath('A'.repeat(maxEncodedContextLength + 4))).toThrow(ContextTooLargeError);
  });
});

describe('contextFromBody', () => {
  it('points at the body itself', () => {
    expect(pointerOf(() => contextFromBody({ kind: 'user' }))).toBe('/key');
    expect(pointerOf(() => contextFromBody({ kind: 'multi', multi: { key: 'x' } }))).toMatch(/^\/multi/);
  });

  it('refuses a context larger than the bound', () => {
    expect(() => contextFromBody({ kind: 'user', key: 'k', blob: 'x'.repeat(maxContextBytes) })).toThrow(
      ContextTooLargeError,
    );
  });
});
