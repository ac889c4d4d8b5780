import { ForbiddenError } from '../../errors/app-errors.js';
import type { Statement } from '../../policy/policy-statement.js';
import type { Actor } from '../audit/audit-model.js';

/**
 * The projects a notification filter lets through, as a policy of `viewProject` on them: each
 * resource a filter allows names its project in its first segment (`proj/KEY;tags`); a bare
 * `*`, `notResources` or no filter at all reaches every project; a filter of denies only, none. Resources outside projects
 * (members, roles, integrations) need no project.
 */
export function projectsHeardBy(filter: readonly Statement[]): Statement[] {
  if (filter.length === 0) return viewEveryProject;
  const allows = filter.filter((s) => s.effect === 'allow');
  if (allows.some((s) => s.resources === undefined)) return viewEveryProject;
  const projects = new Set<string>();
  for (const statement of allows) {
    for (const spec of statement.resources ?? []) {
      if (spec === '*') return viewEveryProject;
      const first = spec.split(':')[0] as string;
      if (first.startsWith('proj/')) projects.add(first);
    }
  }
  return projects.size === 0 ? [] : [{ effect: 'allow', resources: [...projects], actions: ['viewProject'] }];
}

const viewEveryProject: Statement[] = [{ effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] }];

/**
 * An integration or webhook sends whole audit entries (before and after) wherever it points,
 * so whoever sets one up or changes where and what it sends must be able to read every entry it
 * would let through: viewProject on each project its filter reaches. Otherwise a role limited
 * to one project could read the others through a room or a webhook of its own.
 */
export function assertMayHear(actor: Actor, filter: readonly object[]): void {
  const rights = actor.rights;
  if (rights === undefined || rights.unrestricted) return;
  // Stored filters are validated statements (checkStatements), kept as plain records.
  if (!rights.covers([projectsHeardBy(filter as readonly Statement[])])) {
    throw new ForbiddenError(
      'Not allowed: this filter lets through changes in projects you may not view; ' +
        'narrow it to your projects (proj/KEY:…) or ask someone who may view them',
    );
  }
}
