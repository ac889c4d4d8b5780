import type { ListCondition, ListSort } from '../../db/document-query.js';
import type { DocumentPageQuery } from '../../db/document-store.js';
import { ValidationError } from '../../errors/app-errors.js';
import {
  listValue,
  objectValue,
  type PageRule,
  type Paging,
  parseColonFilter,
  parseExpand,
  parseSort,
} from '../../http/list-query.js';
import { builtInRoles } from './member-model.js';

export const memberPageRule: PageRule = { defaultLimit: 20, maxLimit: 100 };

export interface MemberListRequest extends Paging {
  readonly filter?: string | undefined;
  readonly sort?: string | undefined;
  readonly expand?: string | undefined;
}

const filterFields = {
  supported: ['query', 'role', 'id', 'email', 'lastSeen'],
  // Switchboard has no teams; accessCheck is gone from API version 20240415.
  unsupported: ['team', 'noteam', 'accessCheck'],
};

/** `role:admin|my-role`: a built-in role (owner counts as admin) or a custom role key. */
function roleCondition(value: string): ListCondition {
  return {
    anyOf: listValue(value, /\|/).flatMap((role): ListCondition[] => {
      if (!(builtInRoles as readonly string[]).includes(role)) return [{ field: ['customRoles'], has: role }];
      return role === 'admin'
        ? [{ field: ['role'], in: ['admin', 'owner'] }]
        : [{ field: ['role'], equals: role }];
    }),
  };
}

/** `lastSeen:{"never":true}`, `{"noData":true}` or `{"before":ms}` (never seen is 0). */
function lastSeenCondition(value: string): ListCondition {
  const given = objectValue('lastSeen', value, ['never', 'noData', 'before']);
  if (given.never === true) return { field: ['_lastSeen'], equals: 0 };
  // Switchboard records every member's last activity from the start: none lacks the data.
  if (given.noData === true) return { nothing: true };
  if (typeof given.before === 'number') return { field: ['_lastSeen'], lessThan: given.before };
  throw ValidationError.at(
    'query /filter',
    'lastSeen takes {"never": true}, {"noData": true} or {"before": ms}',
  );
}

/** LaunchDarkly's member filters and sorts (`displayName`, `lastSeen`). */
export function memberPageQuery(request: MemberListRequest): DocumentPageQuery {
  // Custom roles are always in the member; role attributes do not exist here.
  parseExpand(request.expand, { supported: ['customRoles'], unsupported: ['roleAttributes'] });
  const where: ListCondition[] = [];
  for (const [field, value] of parseColonFilter(request.filter, filterFields)) {
    if (field === 'query') where.push({ text: value });
    else if (field === 'role') where.push(roleCondition(value));
    else if (field === 'id') where.push({ column: 'id', in: listValue(value, /\|/) });
    else if (field === 'email')
      where.push({ field: ['email'], in: listValue(value, /\|/).map((e) => e.toLowerCase()) });
    else where.push(lastSeenCondition(value));
  }
  const sort = parseSort(request.sort, ['displayName', 'lastSeen']).map(
    ({ field, desc }): ListSort =>
      field === 'displayName' ? { by: 'name', desc } : { field: ['_lastSeen'], type: 'number', desc },
  );
  return { scope: '', where, sort, limit: request.limit, offset: request.offset };
}
