import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { newId } from '../../shared/ids.js';
import type { Actor, TaggedAccess } from '../audit/audit-model.js';
import type { RecordChange } from '../audit/change-log.js';
import type { EnvironmentDoc } from '../environments/environment-model.js';
import type { ProjectDoc } from '../projects/project-model.js';
import type { FlagStore, MemberStore } from '../stores.js';
import { checkFlagDoc } from './flag-check.js';
import type { Flag, FlagDoc } from './flag-model.js';
import { assertMaintainer } from './flag-patch-fields.js';
import { flagRepresentation, flagSitePath } from './flag-representation.js';

export interface NewFlag {
  readonly actor: Actor;
  readonly project: StoredDocument<ProjectDoc>;
  readonly envs: readonly StoredDocument<EnvironmentDoc>[];
  readonly key: string;
  readonly doc: FlagDoc;
  readonly now: number;
  /** What the creation is authorized and audited as, given the stored flag. */
  readonly accesses: (stored: StoredDocument<FlagDoc>) => TaggedAccess[];
  /** The audit entry's description of what was created. */
  readonly change: string;
}

/**
 * The one way a flag comes into being (created or cloned): the document checked against the
 * project and its maintainer against the members, inserted, and its creation recorded in the
 * same transaction. Answers the flag as the API shows it.
 */
export async function insertFlag(
  stores: { readonly flags: FlagStore; readonly members: MemberStore },
  tx: Transaction<Database>,
  record: RecordChange,
  flag: NewFlag,
): Promise<Flag> {
  const { project, envs, key, doc } = flag;
  await checkFlagDoc(stores.flags, tx, {
    projectKey: project.key,
    flagKey: key,
    environmentKeys: envs.map((e) => e.key),
    doc,
  });
  await assertMaintainer(stores, tx, undefined, doc);
  const stored = await stores.flags.insert(tx, {
    id: newId(),
    scope: project.key,
    key,
    doc,
    createdAt: flag.now,
  });
  const current = flagRepresentation(project.key, stored, envs);
  await record({
    kind: 'flag',
    name: doc.name,
    actor: flag.actor,
    accesses: flag.accesses(stored),
    titleVerb: 'created the flag',
    sitePath: flagSitePath(project.key, envs[0]?.key, stored.key),
    changes: [flag.change],
    parent: { name: project.doc.name, resource: `proj/${project.key}` },
    currentVersion: current,
  });
  return current;
}
