/**
 * Where each value of a JSON text sits, by JSON pointer (`/0/resources/1` → offsets), so the policy
 * editor can mark the statement and the value a validation message points at. It reads strict JSON
 * (RFC 8259) and reports the first syntax error with its offset and a plain-words reason.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export type JsonSpans =
  | { readonly ok: true; readonly spans: ReadonlyMap<string, Span> }
  | { readonly ok: false; readonly offset: number; readonly message: string };

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

export function jsonSpans(text: string): JsonSpans {
  const spans = new Map<string, Span>();
  let at = 0;

  const describe = (): string => (at >= text.length ? 'the end of the text' : `"${text[at]}"`);
  const fail = (expected: string): never => {
    throw new JsonSyntaxError(at, `expected ${expected} but found ${describe()}`);
  };
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] ?? '')) at++;
  };

  const readString = (): string => {
    const start = at;
    at++; // opening quote
    while (at < text.length) {
      const char = text[at];
      if (char === '"') {
        at++;
        return JSON.parse(text.slice(start, at)) as string;
      }
      if (char === '\\') {
        const next = text[at + 1] ?? '';
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
            at += 2;
            throw new JsonSyntaxError(at, 'a \\u escape needs four hexadecimal digits');
          }
          at += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(next) || next === '') {
          at++;
          throw new JsonSyntaxError(at, `"\\${next}" is not a valid escape in a string`);
        }
        at += 2;
        continue;
      }
      if ((char ?? '').charCodeAt(0) < 0x20) {
        throw new JsonSyntaxError(at, 'a string cannot span lines; close it with " first');
      }
      at++;
    }
    throw new JsonSyntaxError(start, 'this string is never closed with "');
  };

  const readValue = (pointer: string): void => {
    skipSpace();
    const start = at;
    const char = text[at];
    if (char === '{') {
      at++;
      skipSpace();
      if (text[at] === '}') at++;
      else {
        for (;;) {
          skipSpace();
          if (text[at] !== '"') fail('a field name in double quotes');
          const key = readString();
          skipSpace();
          if (text[at] !== ':') fail('":" after the field name');
          at++;
          readValue(`${pointer}/${escapePointer(key)}`);
          skipSpace();
          if (text[at] === ',') {
            at++;
            skipSpace();
            if (text[at] === '}') fail('another field after "," (remove the trailing comma)');
            continue;
          }
          if (text[at] === '}') {
            at++;
            break;
          }
          fail('"," or "}"');
        }
      }
    } else if (char === '[') {
      at++;
      skipSpace();
      if (text[at] === ']') at++;
      else {
        for (let index = 0; ; index++) {
          readValue(`${pointer}/${index}`);
          skipSpace();
          if (text[at] === ',') {
            at++;
            skipSpace();
            if (text[at] === ']') fail('another value after "," (remove the trailing comma)');
            continue;
          }
          if (text[at] === ']') {
            at++;
            break;
          }
          fail('"," or "]"');
        }
      }
    } else if (char === '"') {
      readString();
    } else {
      const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(at));
      if (literal === null) {
        if (char === "'") fail('a string in double quotes (JSON does not allow single quotes)');
        fail('a value (an object, array, string, number, true, false or null)');
      }
      at += literal?.[0].length ?? 0;
    }
    spans.set(pointer, { start, end: at });
  };

  try {
    skipSpace();
    if (at >= text.length) throw new JsonSyntaxError(0, 'the text is empty');
    readValue('');
    skipSpace();
    if (at < text.length) fail('nothing more after the end of the value');
    return { ok: true, spans };
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { ok: false, offset: error.offset, message: error.message };
    throw error;
  }
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
