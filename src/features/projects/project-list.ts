import type { ListCondition, ListSort } from '../../db/document-query.js';
import type { DocumentPageQuery } from '../../db/document-store.js';
import { listValue, type PageRule, parseColonFilter, parseSort } from '../../http/list-query.js';

export const projectPageRule: PageRule = { defaultLimit: 20, maxLimit: 100 };

export interface ProjectListRequest {
  readonly filter?: string | undefined;
  readonly sort?: string | undefined;
}

/**
 * LaunchDarkly's project filters (`query`, `tags` a+b all, `keys` a|b any) and sorts (`name`,
 * `createdOn`), as a store query over every project: which ones a member may view is a policy
 * question, answered per project before the page is cut (projects are few).
 */
export function projectListQuery(request: ProjectListRequest): DocumentPageQuery {
  const where: ListCondition[] = [];
  for (const [field, value] of parseColonFilter(request.filter, { supported: ['query', 'tags', 'keys'] })) {
    if (field === 'query') where.push({ text: value });
    else if (field === 'tags') where.push({ tagsAll: listValue(value, /[+ ]/) });
    else where.push({ column: 'key', in: listValue(value, /\|/) });
  }
  const sort = parseSort(request.sort, ['name', 'createdOn']).map(
    ({ field, desc }): ListSort => ({ by: field === 'name' ? 'name' : 'created', desc }),
  );
  return { scope: '', where, sort };
}
