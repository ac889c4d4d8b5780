import type { ListCondition, ListSort } from '../../db/document-query.js';
import type { DocumentPageQuery } from '../../db/document-store.js';
import {
  booleanValue,
  type OperatorTerm,
  type PageRule,
  type Paging,
  parseOperatorFilter,
  parseSort,
  stringValues,
} from '../../http/list-query.js';

export const segmentPageRule: PageRule = { defaultLimit: 20, maxLimit: 100 };

export interface SegmentListRequest extends Paging {
  readonly filter?: string | undefined;
  readonly sort?: string | undefined;
}

const filterFields = {
  supported: ['query', 'tags', 'includedKeys', 'excludedKeys', 'unbounded', 'external'],
  operators: {
    query: ['equals'],
    tags: ['anyOf'],
    includedKeys: ['anyOf'],
    excludedKeys: ['anyOf'],
    unbounded: ['equals'],
    external: ['exists'],
  },
} as const;

/** The condition, or undefined where the term holds for every segment. */
function condition(field: string, term: OperatorTerm): ListCondition | undefined {
  switch (field) {
    case 'query':
      return { anyOf: stringValues(field, term.value).map((text) => ({ text })) };
    case 'tags':
      return { tagsAny: stringValues(field, term.value) };
    case 'includedKeys':
      return { column: 'key', in: stringValues(field, term.value) };
    case 'excludedKeys':
      return { column: 'key', notIn: stringValues(field, term.value) };
    default:
      // Every Switchboard segment is a standard one: none is big (unbounded) or synced (external).
      return booleanValue(field, term.value) ? { nothing: true } : undefined;
  }
}

/** LaunchDarkly's segment filters (`field operator value`, AND-ed) and sorts. */
export function segmentPageQuery(scope: string, request: SegmentListRequest): DocumentPageQuery {
  const where = [...parseOperatorFilter(request.filter, filterFields)].flatMap(([field, term]) => {
    const found = condition(field, term);
    return found === undefined ? [] : [found];
  });
  const sort = parseSort(request.sort, ['creationDate', 'name', 'lastModified']).map(
    ({ field, desc }): ListSort => {
      if (field === 'name') return { by: 'name', desc };
      if (field === 'creationDate') return { by: 'created', desc };
      // Segments stored before lastModifiedDate existed were last modified when created.
      return { field: ['lastModifiedDate'], orElse: ['creationDate'], type: 'number', desc };
    },
  );
  return { scope, where, sort, limit: request.limit, offset: request.offset };
}
