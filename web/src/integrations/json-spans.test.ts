import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSpans, lineAndColumn } from './json-spans';

function valueAt(value: unknown, pointer: string): unknown {
  let current = value;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

describe('jsonSpans', () => {
  it('places every value by its JSON pointer', () => {
    const text = '[\n  {"effect": "allow", "resources": ["proj/*", "a/b"]}\n]';
    const result = jsonSpans(text);
    if (!result.ok) throw new Error(result.message);
    const slice = (pointer: string) => {
      const span = result.spans.get(pointer);
      return span === undefined ? undefined : text.slice(span.start, span.end);
    };
    expect(slice('/0/resources/1')).toBe('"a/b"');
    expect(slice('/0/effect')).toBe('"allow"');
    expect(slice('/0')?.startsWith('{')).toBe(true);
    expect(slice('')).toBe(text);
  });

  it('escapes "/" and "~" in field names as a JSON pointer does', () => {
    const result = jsonSpans('{"a/b": {"c~d": 1}}');
    expect(result.ok && result.spans.has('/a~1b/c~0d')).toBe(true);
  });

  it.each([
    ['', 0, 'empty'],
    ['[1, 2,]', 6, 'trailing comma'],
    ["[{'effect': 1}]", 2, 'double quotes'],
    ['{"a": "unclosed', 6, 'never closed'],
    ['[1] 2', 4, 'nothing more'],
    ['{"a" 1}', 5, '":"'],
    ['["bad \\q escape"]', 7, 'not a valid escape'],
  ])('reports %j at offset %i (%s)', (text, offset, words) => {
    const result = jsonSpans(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.offset).toBe(offset);
    expect(result.message).toContain(words);
  });

  it('agrees with JSON.parse on every JSON text, and each span holds the value at its pointer', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const result = jsonSpans(text);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        for (const [pointer, span] of result.spans) {
          expect(JSON.parse(text.slice(span.start, span.end))).toEqual(valueAt(JSON.parse(text), pointer));
        }
      }),
    );
  });

  it('never accepts what JSON.parse refuses', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('[', ']', '{', '}', '"', ':', ',', '1', 'a', ' ', '\\', '-', '.', 'e'),
        }),
        (text) => {
          let parses = true;
          try {
            JSON.parse(text);
          } catch {
            parses = false;
          }
          expect(jsonSpans(text).ok).toBe(parses);
        },
      ),
    );
  });

  it('turns an offset into a line and column', () => {
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(lineAndColumn('ab', 0)).toEqual({ line: 1, column: 1 });
  });
});
