import type { ListCondition, ListSort } from '../../db/document-query.js';
import type { DocumentPageQuery } from '../../db/document-store.js';
import { listValue, type PageRule, type Paging, parseColonFilter, parseSort } from '../../http/list-query.js';

export const environmentPageRule: PageRule = { defaultLimit: 20, maxLimit: 100 };

export interface EnvironmentListRequest extends Paging {
  readonly filter?: string | undefined;
  readonly sort?: string | undefined;
}

/** LaunchDarkly's environment filters (`query`, `tags` a+b all) and sorts (`createdOn`, `critical`, `name`). */
export function environmentPageQuery(projectKey: string, request: EnvironmentListRequest): DocumentPageQuery {
  const where: ListCondition[] = [];
  for (const [field, value] of parseColonFilter(request.filter, { supported: ['query', 'tags'] })) {
    where.push(field === 'query' ? { text: value } : { tagsAll: listValue(value, /[+ ]/) });
  }
  const sort = parseSort(request.sort, ['createdOn', 'critical', 'name']).map(({ field, desc }): ListSort => {
    if (field === 'critical') return { field: ['critical'], type: 'boolean', desc };
    return { by: field === 'name' ? 'name' : 'created', desc };
  });
  return { scope: projectKey, where, sort, limit: request.limit, offset: request.offset };
}
