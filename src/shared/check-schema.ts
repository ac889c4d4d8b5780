import type { TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValidationError } from '../errors/app-errors.js';
import { schemaSentence, typeBoxProblem } from '../errors/schema-wording.js';

// Ajv (at the HTTP edge) knows "email"; TypeBox's own checker needs to be told, with the same
// deliberately loose rule: something@something, no spaces.
if (!FormatRegistry.Has('email')) FormatRegistry.Set('email', (value) => /^[^\s@]+@[^\s@]+$/.test(value));

/**
 * Validates a document produced by a patch against the resource's schema, so a patch that
 * yields an invalid resource is rejected whole with the pointer of the first problems.
 */
export function checkSchema<T extends TSchema>(schema: T, value: unknown): void {
  // The quick yes/no first: collecting errors walks the whole value building messages, and on
  // every flag toggle the answer is "valid".
  if (Value.Check(schema, value)) return;
  const problems = [...Value.Errors(schema, value)].slice(0, 5).map((e) => {
    const problem = typeBoxProblem(e);
    const sentence = problem === undefined ? undefined : schemaSentence(problem);
    return {
      pointer: e.path === '' ? '/' : e.path,
      message: sentence ?? e.message.charAt(0).toLowerCase() + e.message.slice(1),
    };
  });
  if (problems.length > 0) throw new ValidationError(problems);
}
