import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { NotFoundError, ValidationError } from '../../errors/app-errors.js';
import { authorizeChange } from '../access/authorize.js';
import { mdValue } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChangeLog } from '../audit/change-log.js';
import { access } from '../audit/resource-path.js';
import type { EnvironmentStore, FlagStore, MemberStore, ProjectStore } from '../stores.js';
import { summarizeFlagChange } from './flag-audit.js';
import { checkFlagDoc, flagResource } from './flag-check.js';
import { cloneFlagDoc } from './flag-clone.js';
import { missingCommentError } from './flag-comment-rule.js';
import { type CopyRequest, copiedFields, copyFlagConfig } from './flag-copy.js';
import { insertFlag } from './flag-insert.js';
import type { Flag, FlagPost } from './flag-model.js';
import { flagRepresentation, flagSitePath } from './flag-representation.js';
import { withRaisedVersions } from './flag-versions.js';

/** An environment's name as a title shows it, in backquotes. */
const quoted = (name: string) => `\`${name.replace(/`/g, "'")}\``;

/**
 * Copying a flag's configuration from one environment to another, and cloning a flag into a
 * new one: LaunchDarkly's `POST /flags/{p}/{key}/copy` and `POST /flags/{p}?clone={key}`.
 * Each is one transaction with one audit entry, whose accesses are what is authorized: the SDK
 * change feed and the integrations hear of it from that entry like any other flag change.
 */
export class FlagCopies {
  constructor(
    private readonly stores: {
      readonly environments: EnvironmentStore;
      readonly flags: FlagStore;
      readonly members: MemberStore;
      readonly projects: ProjectStore;
    },
    private readonly changes: ChangeLog,
  ) {}

  /**
   * Audited as `copyFlagConfigTo` on the flag in the source environment and
   * `copyFlagConfigFrom` on it in the target, so the actor needs both rights (a member who may
   * only change `test` cannot copy into `production`). A copy that changes nothing writes
   * nothing.
   */
  async copy(actor: Actor, projectKey: string, flagKey: string, request: CopyRequest): Promise<Flag> {
    return this.changes.transact(async (tx, record) => {
      const { project, envs, stored } = await this.load(tx, projectKey, flagKey);
      const byKey = new Map(envs.map((e) => [e.key, e]));
      const source = byKey.get(request.source.key);
      const target = byKey.get(request.target.key);
      if (source === undefined)
        throw ValidationError.at('/source/key', `unknown environment "${request.source.key}"`);
      if (target === undefined)
        throw ValidationError.at('/target/key', `unknown environment "${request.target.key}"`);
      const accesses = [
        access('copyFlagConfigTo', ...flagResource(project, source, stored)),
        access('copyFlagConfigFrom', ...flagResource(project, target, stored)),
      ];
      // Before anything about the flag (its versions) is told: a copy that would change nothing
      // is refused to an actor without the rights too.
      authorizeChange({ actor, accesses });
      const proposed = copyFlagConfig(stored.doc, request);
      await checkFlagDoc(this.stores.flags, tx, {
        projectKey,
        flagKey,
        environmentKeys: envs.map((e) => e.key),
        doc: proposed,
      });
      const before = flagRepresentation(projectKey, stored, envs);
      const summary = summarizeFlagChange(
        stored.doc,
        proposed,
        new Map(envs.map((e) => [e.key, e.doc.name])),
      );
      if (summary.accesses.length === 0) return before;
      const uncommented = missingCommentError([target], request.comment);
      if (uncommented !== undefined) throw uncommented;
      const raised = withRaisedVersions(stored.key, stored.doc, proposed, this.changes.now());
      const updated = await this.stores.flags.update(tx, stored, raised);
      const after = flagRepresentation(projectKey, updated, envs);
      const parts = copiedFields(request).join(', ');
      await record({
        kind: 'flag',
        name: stored.doc.name,
        actor,
        comment: request.comment,
        accesses,
        titleVerb: `copied the settings of ${quoted(source.doc.name)} into the flag`,
        sitePath: flagSitePath(projectKey, target.key, stored.key),
        environmentName: target.doc.name,
        changes: [`Copied ${parts} from ${mdValue(source.doc.name)}`, ...summary.changes],
        parent: { name: project.doc.name, resource: `proj/${projectKey}` },
        previousVersion: before,
        currentVersion: after,
      });
      return after;
    });
  }

  /**
   * A new flag made from an existing one (see cloneFlagDoc). Audited as `createFlag` on the new
   * flag and `cloneFlag` on the original, in every environment: cloning reads the original's
   * targeting everywhere, so a role that denies it on some flags keeps them from being cloned.
   */
  async clone(actor: Actor, projectKey: string, originalKey: string, input: FlagPost): Promise<Flag> {
    return this.changes.transact(async (tx, record) => {
      const { project, envs, stored: original } = await this.load(tx, projectKey, originalKey);
      const now = this.changes.now();
      const salt = () => randomUUID().replace(/-/g, '');
      const doc = cloneFlagDoc(original.doc, input, now, salt, randomUUID);
      return insertFlag(this.stores, tx, record, {
        actor,
        project,
        envs,
        key: input.key,
        doc,
        now,
        accesses: (stored) => [
          ...envs.map((e) => access('createFlag', ...flagResource(project, e, stored))),
          ...envs.map((e) => access('cloneFlag', ...flagResource(project, e, original))),
        ],
        change: `Cloned the flag ${mdValue(original.doc.name)} (${mdValue(original.key)}) with its targeting in every environment`,
      });
    });
  }

  private async load(tx: Transaction<Database>, projectKey: string, flagKey: string) {
    const project = await this.stores.projects.getOrThrow(tx, '', projectKey);
    const envs = await this.stores.environments.list(tx, projectKey);
    const stored = await this.stores.flags.get(tx, projectKey, flagKey);
    if (stored === undefined)
      throw new NotFoundError(`Flag "${flagKey}" not found in project "${projectKey}"`);
    return { project, envs, stored };
  }
}
