import type { ListCondition, ListSort } from '../../db/document-query.js';
import type { DocumentPageQuery } from '../../db/document-store.js';
import {
  booleanValue,
  type OperatorTerm,
  oneOf,
  type PageRule,
  type Paging,
  parseExpand,
  parseOperatorFilter,
  parseSort,
  stringValues,
} from '../../http/list-query.js';
import { metricKinds } from './metric-model.js';

/** LaunchDarkly documents both: 20 by default, at most 50. */
export const metricPageRule: PageRule = { defaultLimit: 20, maxLimit: 50 };

export interface MetricListRequest extends Paging {
  readonly filter?: string | undefined;
  readonly sort?: string | undefined;
  readonly expand?: string | undefined;
}

const filterFields = {
  supported: ['query', 'tags', 'eventKind', 'isNumeric', 'maintainerIds'],
  // No experiments, guarded rollouts, teams or unit aggregation in Switchboard.
  unsupported: ['hasConnections', 'maintainerTeamKey', 'unitAggregationType'],
  operators: {
    query: ['equals'],
    tags: ['contains'],
    eventKind: ['equals'],
    isNumeric: ['equals'],
    maintainerIds: ['anyOf'],
  },
} as const;

function condition(field: string, term: OperatorTerm): ListCondition {
  switch (field) {
    case 'query':
      return { anyOf: stringValues(field, term.value).map((text) => ({ text })) };
    case 'tags':
      // `contains`: every listed tag.
      return { tagsAll: stringValues(field, term.value) };
    case 'eventKind':
      return { field: ['kind'], equals: oneOf(field, term.value, metricKinds) };
    case 'isNumeric':
      return { field: ['isNumeric'], equals: booleanValue(field, term.value) };
    default:
      return { field: ['maintainerId'], in: stringValues(field, term.value) };
  }
}

/** LaunchDarkly's metric filters (`field operator value`, AND-ed) and sorts (`createdAt`, `name`). */
export function metricPageQuery(projectKey: string, request: MetricListRequest): DocumentPageQuery {
  parseExpand(request.expand, { supported: [], unsupported: ['experimentCount'] });
  const where = [...parseOperatorFilter(request.filter, filterFields)].map(([field, term]) =>
    condition(field, term),
  );
  const sort = parseSort(request.sort, ['createdAt', 'name']).map(
    ({ field, desc }): ListSort => ({ by: field === 'name' ? 'name' : 'created', desc }),
  );
  return { scope: projectKey, where, sort, limit: request.limit, offset: request.offset };
}
