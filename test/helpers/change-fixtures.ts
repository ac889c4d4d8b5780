import type { Actor } from '../../src/features/audit/audit-model.js';
import { access, resources } from '../../src/features/audit/resource-path.js';

/** The actor of the ChangeLog suites' changes. */
export const testAdmin: Actor = { member: { _id: 'm1', email: 'admin@example.com' } };

/** The smallest real change to record: `actor` created project `key`. */
export const projectCreated = (key: string, actor: Actor = testAdmin) => ({
  kind: 'project',
  name: key,
  actor,
  accesses: [access('createProject', ...resources.project({ key, tags: [] }))],
  titleVerb: 'created the project',
  changes: [],
});
