import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { checkSchema } from '../shared/check-schema.js';
import { ValidationError } from './app-errors.js';
import { schemaSentence } from './schema-wording.js';

describe('schemaSentence (Ajv keywords and params)', () => {
  it.each([
    ['format', { format: 'email' }, 'is not an email address'],
    ['format', { format: 'uri' }, 'is not a URL'],
    ['format', { format: 'color' }, 'is not in the color format'],
    ['type', { type: 'string' }, 'must be text (a JSON string)'],
    ['type', { type: 'integer' }, 'must be a whole number'],
    ['type', { type: 'boolean' }, 'must be true or false'],
    ['minLength', { limit: 1 }, 'must not be empty'],
    ['minLength', { limit: 8 }, 'must be at least 8 characters'],
    ['maxLength', { limit: 254 }, 'must be at most 254 characters'],
    ['minimum', { limit: 0, comparison: '>=' }, 'must be 0 or more'],
    ['maximum', { limit: 100, comparison: '<=' }, 'must be 100 or less'],
    ['minItems', { limit: 1 }, 'must not be empty'],
    ['maxItems', { limit: 50 }, 'must have at most 50 items'],
    ['maxItems', { limit: 1 }, 'must have at most 1 item'],
    ['enum', { allowedValues: ['server', 'mobile'] }, 'must be one of "server", "mobile"'],
    ['const', { allowedValue: 'allow' }, 'must be "allow"'],
    ['pattern', { pattern: '^[a-z]+$' }, 'does not have the expected form (^[a-z]+$)'],
  ])('%s %j reads "%s"', (keyword, params, sentence) => {
    expect(schemaSentence({ keyword, params })).toBe(sentence);
  });

  it('leaves keywords it does not know to the checker', () => {
    expect(schemaSentence({ keyword: 'if', params: {} })).toBeUndefined();
  });
});

describe('checkSchema (TypeBox) words problems the same way', () => {
  const Member = Type.Object(
    {
      email: Type.String({ format: 'email', maxLength: 20 }),
      name: Type.String({ minLength: 1 }),
      role: Type.Union([Type.Literal('reader'), Type.Literal('writer')]),
      age: Type.Optional(Type.Integer({ minimum: 0 })),
    },
    { additionalProperties: false },
  );

  const problems = (value: unknown) => {
    try {
      checkSchema(Member, value);
    } catch (error) {
      if (error instanceof ValidationError) return error.problems;
      throw error;
    }
    return [];
  };

  it('keeps the JSON pointer and says what is wrong as a sentence', () => {
    expect(problems({ email: 'bob@ux', name: 'Bo', role: 'reader' })).toEqual([]);
    expect(problems({ email: 'bob', name: '', role: 'admin', age: -1.5 })).toEqual(
      expect.arrayContaining([
        { pointer: '/email', message: 'is not an email address' },
        { pointer: '/name', message: 'must not be empty' },
        { pointer: '/role', message: 'must be one of "reader", "writer"' },
        { pointer: '/age', message: 'must be a whole number' },
      ]),
    );
    expect(problems({ email: 'a@b', role: 'reader', extra: 1 })).toEqual(
      expect.arrayContaining([
        { pointer: '/name', message: 'is required' },
        { pointer: '/extra', message: 'unknown field' },
      ]),
    );
  });
});
