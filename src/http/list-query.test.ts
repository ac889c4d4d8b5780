import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/app-errors.js';
import {
  objectValue,
  pageLinks,
  parseColonFilter,
  parseExpand,
  parseOperatorFilter,
  parseSort,
  splitTopLevel,
} from './list-query.js';

function problem(run: () => unknown): { pointer: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems[0] ?? { pointer: '', message: '' };
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('splitTopLevel', () => {
  it('keeps commas inside JSON values', () => {
    expect(splitTopLevel('query:a,creationDate:{"before":1,"x":2},tags:["a,b"]', ',')).toEqual([
      'query:a',
      'creationDate:{"before":1,"x":2}',
      'tags:["a,b"]',
    ]);
  });
});

describe('parseColonFilter', () => {
  const fields = { supported: ['query', 'tags', 'creationDate'], unsupported: ['evaluated'] };

  it('reads field:value terms, the value as written', () => {
    const filter = parseColonFilter('query:dark:mode,tags:beta+test', fields);
    expect([...filter]).toEqual([
      ['query', 'dark:mode'],
      ['tags', 'beta+test'],
    ]);
  });

  it('names an unknown field and what is supported', () => {
    expect(problem(() => parseColonFilter('query:a,colour:red', fields))).toEqual({
      pointer: 'query /filter',
      message: 'unknown filter field "colour" (supported: query, tags, creationDate)',
    });
  });

  it('refuses a LaunchDarkly field Switchboard has no data for, by name', () => {
    expect(problem(() => parseColonFilter('evaluated:{"after":1}', fields)).message).toBe(
      'filter field "evaluated" is not supported by Switchboard',
    );
  });

  it('refuses a term without a colon and a field given twice', () => {
    expect(problem(() => parseColonFilter('query', fields)).message).toBe('"query" is not field:value');
    expect(problem(() => parseColonFilter('query:a,query:b', fields)).message).toBe(
      'filter field "query" is given twice',
    );
  });
});

describe('parseOperatorFilter', () => {
  const fields = {
    supported: ['tags', 'query', 'unbounded'],
    operators: { tags: ['anyOf'], query: ['equals'], unbounded: ['equals'] } as const,
  };

  it('reads field operator value terms with JSON values', () => {
    const filter = parseOperatorFilter(
      'tags anyOf ["a", "b"],query equals "toggle",unbounded equals false',
      fields,
    );
    expect(filter.get('tags')).toEqual({ op: 'anyOf', value: ['a', 'b'] });
    expect(filter.get('query')).toEqual({ op: 'equals', value: 'toggle' });
    expect(filter.get('unbounded')).toEqual({ op: 'equals', value: false });
  });

  it('refuses an operator the field does not take, OR and grouping', () => {
    expect(problem(() => parseOperatorFilter('tags equals "a"', fields)).message).toBe(
      'filter field "tags" takes anyOf, not equals',
    );
    expect(problem(() => parseOperatorFilter('query equals "a"|query equals "b"', fields)).message).toMatch(
      /OR/,
    );
    expect(problem(() => parseOperatorFilter('(query equals "a")', fields)).message).toMatch(/parentheses/);
  });
});

describe('parseSort and parseExpand', () => {
  it('reads ascending and descending fields', () => {
    expect(parseSort('name,-creationDate', ['name', 'creationDate'])).toEqual([
      { field: 'name', desc: false },
      { field: 'creationDate', desc: true },
    ]);
  });

  it('names a field it cannot sort by', () => {
    expect(problem(() => parseSort('colour', ['name']))).toEqual({
      pointer: 'query /sort',
      message: 'cannot sort by "colour" (sort by: name)',
    });
  });

  it('refuses an unsupported expansion by name', () => {
    expect(problem(() => parseExpand('evaluation', { supported: [], unsupported: ['evaluation'] }))).toEqual({
      pointer: 'query /expand',
      message: 'expand=evaluation is not supported by Switchboard',
    });
  });

  it('checks the keys of a JSON object value', () => {
    expect(objectValue('creationDate', '{"before":5}', ['before'])).toEqual({ before: 5 });
    expect(problem(() => objectValue('creationDate', '{"after":5}', ['before'])).message).toBe(
      'filter field "creationDate" takes before, not after',
    );
  });
});

describe('pageLinks', () => {
  const url = '/api/v2/flags/p?filter=tags%3Abeta%2Btest&env=production&limit=10';

  it('has no first or prev on the first page, and keeps the other parameters', () => {
    const links = pageLinks(url, { limit: 10, offset: 0, totalCount: 25 });
    expect(Object.keys(links).sort()).toEqual(['last', 'next', 'self']);
    const next = new URL(links.next?.href ?? '', 'http://x');
    expect(next.pathname).toBe('/api/v2/flags/p');
    expect(next.searchParams.get('filter')).toBe('tags:beta+test');
    expect(next.searchParams.get('env')).toBe('production');
    expect(next.searchParams.get('offset')).toBe('10');
    expect(new URL(links.last?.href ?? '', 'http://x').searchParams.get('offset')).toBe('20');
  });

  it('has no next or last on the last page', () => {
    const links = pageLinks(url, { limit: 10, offset: 20, totalCount: 25 });
    expect(Object.keys(links).sort()).toEqual(['first', 'prev', 'self']);
    expect(new URL(links.prev?.href ?? '', 'http://x').searchParams.get('offset')).toBe('10');
  });

  it('has only self for an empty list', () => {
    expect(Object.keys(pageLinks('/api/v2/roles', { limit: 20, offset: 0, totalCount: 0 }))).toEqual([
      'self',
    ]);
  });
});
