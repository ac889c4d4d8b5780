import type { FastifyBodyParser } from 'fastify';
import { ValidationError } from '../errors/app-errors.js';

/**
 * The deepest nesting of arrays and objects a request body may have. The deepest real document
 * (a flag: environments, rules, clauses, values) is about ten levels plus a JSON variation's own;
 * the recursive walks after parsing (schema checks, the audit diff, copies) overflow the stack
 * somewhere past a few thousand levels, which answered 500.
 */
export const maxBodyDepth = 64;

/** Whether JSON text nests arrays and objects deeper than `limit`; brackets in strings do not count. */
export function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: the next character is escaped, a quote included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** Wraps a JSON body parser so that too deep a body is refused before it is parsed. */
export function depthBoundedParser(parse: FastifyBodyParser<string>): FastifyBodyParser<string> {
  return (request, body, done) => {
    if (nestedDeeperThan(body, maxBodyDepth)) {
      done(
        new ValidationError(
          [{ pointer: '/', message: `is nested deeper than ${maxBodyDepth} levels` }],
          `Request body is nested deeper than ${maxBodyDepth} levels`,
        ),
        undefined,
      );
      return;
    }
    // Fastify's own JSON parser answers through `done` (it never returns a promise).
    void parse(request, body, done);
  };
}
