import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/app-errors.js';
import { jsonEqual } from '../../shared/json-equal.js';
import { applyJsonPatch, assertUnchanged, type PatchRequest, patchDelta } from '../../shared/json-patch.js';
import { applyMergePatch } from '../../shared/merge-patch.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChangeInput, ChangeLog, RecordChange } from '../audit/change-log.js';
import { access } from '../audit/resource-path.js';
import type { EnvironmentDoc } from '../environments/environment-model.js';
import type { EnvironmentHooks } from '../environments/environment-service.js';
import type { ProjectDoc } from '../projects/project-model.js';
import type { EnvironmentStore, FlagStore, MemberStore, ProjectStore } from '../stores.js';
import { summarizeFlagChange } from './flag-audit.js';
import { checkFlagDoc, flagResource } from './flag-check.js';
import { missingCommentError } from './flag-comment-rule.js';
import { authorizeOnly, type FlagWriteOptions, wouldBeStored } from './flag-dry-run.js';
import { insertFlag } from './flag-insert.js';
import { type FlagListRequest, flagPageQuery, summarized } from './flag-list.js';
import { type EarlyFlagRead, FlagLoader } from './flag-load.js';
import type { Flag, FlagDoc, FlagEnvironmentDoc, FlagPost } from './flag-model.js';
import { assertMaintainer, withOptionalFieldsAdded } from './flag-patch-fields.js';
import { flagRepresentation, flagSitePath } from './flag-representation.js';
import { withFlagRuleDefaults } from './flag-rule-ids.js';
import { gatherSemanticLookups } from './flag-semantic-lookups.js';
import { applySemanticPatch, type SemanticPatch } from './flag-semantic-patch.js';
import { withRaisedVersions } from './flag-versions.js';

type Env = StoredDocument<EnvironmentDoc>;
type StoredFlag = StoredDocument<FlagDoc>;

function newEnvironmentConfig(flag: Pick<FlagDoc, 'defaults'>, now: number): FlagEnvironmentDoc {
  return {
    on: false,
    offVariation: flag.defaults.offVariation,
    fallthrough: { variation: flag.defaults.onVariation },
    targets: [],
    rules: [],
    prerequisites: [],
    trackEvents: false,
    trackEventsFallthrough: false,
    salt: randomUUID().replace(/-/g, ''),
    version: 1,
    lastModified: now,
  };
}

const readOnlyFlagFields = ['key', '_version', '_links', 'creationDate', 'experiments'];
const readOnlyEnvFields = ['_environmentName', '_site', 'salt', 'version', 'lastModified', 'archived', 'sel'];

/** Turns a patched representation back into the stored document, refusing server-owned edits. */
function toDoc(before: Flag, patched: Flag): FlagDoc {
  assertUnchanged(
    before as unknown as Record<string, unknown>,
    patched as unknown as Record<string, unknown>,
    readOnlyFlagFields,
  );
  if (typeof patched.environments !== 'object' || patched.environments === null) {
    throw ValidationError.at('/environments', 'must be an object keyed by environment');
  }
  const environments: Record<string, FlagEnvironmentDoc> = {};
  for (const [envKey, config] of Object.entries(patched.environments)) {
    const old = before.environments[envKey];
    if (old === undefined)
      throw ValidationError.at(
        `/environments/${envKey}`,
        'environments are added to the project, not to a flag',
      );
    if (typeof config !== 'object' || config === null)
      throw ValidationError.at(`/environments/${envKey}`, 'must be an object');
    for (const f of readOnlyEnvFields) {
      if (!jsonEqual((old as Record<string, unknown>)[f], (config as Record<string, unknown>)[f])) {
        throw ValidationError.at(`/environments/${envKey}/${f}`, 'is read-only');
      }
    }
    const { _environmentName, _site, archived: _a, sel: _s, ...rest } = config;
    // A rule added by a patch may come without `_id` or `trackEvents`, as LaunchDarkly allows.
    const rules = withFlagRuleDefaults(rest.rules, randomUUID) as FlagEnvironmentDoc['rules'];
    environments[envKey] = { ...rest, rules };
  }
  const { key, _version, _links, experiments: _e, ...doc } = patched;
  return { ...doc, environments };
}

/** A change's options: a dry run, and the first read its request started (`earlyRead`). */
export interface FlagChangeOptions extends FlagWriteOptions {
  readonly early?: EarlyFlagRead | undefined;
}

export class FlagService implements EnvironmentHooks {
  constructor(
    private readonly stores: {
      readonly environments: EnvironmentStore;
      readonly flags: FlagStore;
      readonly members: MemberStore;
      readonly projects: ProjectStore;
    },
    private readonly changes: ChangeLog,
    /** Each change's first read: shared by the changes of one turn on PostgreSQL. */
    private readonly loader = new FlagLoader(false),
  ) {}

  /** A change's first read, sent as its request arrives (`FlagLoader.early`). */
  earlyRead(projectKey: string, flagKey: string): EarlyFlagRead | undefined {
    return this.loader.early(projectKey, flagKey);
  }

  /** One page of the project's flags, filtered, sorted and counted in the database. */
  async list(projectKey: string, request: FlagListRequest): Promise<{ items: Flag[]; totalCount: number }> {
    return this.changes.transact(async (tx) => {
      await this.project(tx, projectKey);
      const envs = await this.stores.environments.list(tx, projectKey);
      const query = flagPageQuery(
        projectKey,
        request,
        envs.map((e) => e.key),
      );
      const page = await this.stores.flags.page(tx, query);
      const items = page.items.map((f) => flagRepresentation(projectKey, f, envs, request.env));
      return { items: request.summary ? items.map(summarized) : items, totalCount: page.totalCount };
    });
  }

  async get(projectKey: string, flagKey: string, only?: readonly string[]): Promise<Flag> {
    return this.changes.transact(async (tx) => {
      await this.project(tx, projectKey);
      const envs = await this.stores.environments.list(tx, projectKey);
      return flagRepresentation(projectKey, await this.load(tx, projectKey, flagKey), envs, only);
    });
  }

  async create(actor: Actor, projectKey: string, input: FlagPost): Promise<Flag> {
    return this.changes.transact(async (tx, record) => {
      const project = await this.project(tx, projectKey);
      const envs = await this.stores.environments.list(tx, projectKey);
      const now = this.changes.now();
      const variations = (input.variations ?? [{ value: true }, { value: false }]).map((v) => ({
        ...v,
        _id: v._id ?? randomUUID(),
      }));
      const boolean = variations.length === 2 && variations.every((v) => typeof v.value === 'boolean');
      const defaults = input.defaults ?? { onVariation: 0, offVariation: variations.length - 1 };
      const doc: FlagDoc = {
        name: input.name,
        description: input.description ?? '',
        kind: boolean ? 'boolean' : 'multivariate',
        variations,
        tags: input.tags ?? [],
        temporary: input.temporary ?? true,
        archived: false,
        ...(input.maintainerId === undefined ? {} : { maintainerId: input.maintainerId }),
        includeInSnippet: input.includeInSnippet ?? project.doc.includeInSnippetByDefault,
        clientSideAvailability: input.clientSideAvailability ?? project.doc.defaultClientSideAvailability,
        defaults,
        customProperties: input.customProperties ?? {},
        creationDate: now,
        environments: Object.fromEntries(envs.map((e) => [e.key, newEnvironmentConfig({ defaults }, now)])),
      };
      return insertFlag(this.stores, tx, record, {
        actor,
        project,
        envs,
        key: input.key,
        doc,
        now,
        accesses: (stored) => envs.map((e) => access('createFlag', ...this.resource(project, e, stored))),
        change: `Created the ${doc.kind} flag with variations ${doc.variations.map((v) => `\`${JSON.stringify(v.value)}\``).join(', ')}`,
      });
    });
  }

  async update(
    actor: Actor,
    projectKey: string,
    flagKey: string,
    request: PatchRequest,
    options: FlagChangeOptions = {},
  ): Promise<Flag> {
    return this.changes.transact(async (tx, record) => {
      const { project, envs, stored, before } = await this.loadAll(tx, projectKey, flagKey, options.early);
      const patched =
        request.merge === undefined
          ? applyJsonPatch(before, withOptionalFieldsAdded(before, request.patch), '/patch')
          : applyMergePatch(before, request.merge);
      const doc = toDoc(before, patched);
      return this.commit(
        tx,
        record,
        actor,
        project,
        envs,
        stored,
        doc,
        request.comment,
        patchDelta(request),
        before,
        options,
      );
    });
  }

  async applyInstructions(
    actor: Actor,
    projectKey: string,
    flagKey: string,
    patch: SemanticPatch,
    options: FlagChangeOptions = {},
  ): Promise<Flag> {
    return this.changes.transact(async (tx, record) => {
      const { project, envs, stored } = await this.loadAll(tx, projectKey, flagKey, options.early);
      const lookups = await gatherSemanticLookups(this.stores, tx, projectKey, flagKey, patch);
      const doc = applySemanticPatch(stored.doc, patch, { flagKey, newId: randomUUID, lookups });
      const { comment, instructions } = patch;
      return this.commit(
        tx,
        record,
        actor,
        project,
        envs,
        stored,
        doc,
        comment,
        instructions,
        undefined,
        options,
      );
    });
  }

  async delete(actor: Actor, projectKey: string, flagKey: string, early?: EarlyFlagRead): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const { project, envs, stored, before } = await this.loadAll(tx, projectKey, flagKey, early);
      const dependents = (await this.stores.flags.list(tx, projectKey)).filter((f) =>
        Object.values(f.doc.environments).some((e) => e.prerequisites.some((p) => p.key === flagKey)),
      );
      if (dependents.length > 0) {
        throw new ConflictError(
          `Flag "${flagKey}" is a prerequisite of ${dependents.map((f) => `"${f.key}"`).join(', ')}; remove it there first`,
        );
      }
      await this.stores.flags.delete(tx, stored);
      await record({
        kind: 'flag',
        name: stored.doc.name,
        actor,
        accesses: envs.map((e) => access('deleteFlag', ...this.resource(project, e, stored))),
        titleVerb: 'deleted the flag',
        changes: ['Deleted the flag from every environment'],
        parent: { name: project.doc.name, resource: `proj/${projectKey}` },
        previousVersion: before,
      });
    });
  }

  // EnvironmentHooks: a new environment gets a configuration in every flag; a deleted one
  // takes its configurations with it. Covered by the environment's own audit entry.
  async added(tx: Transaction<Database>, projectKey: string, envKey: string): Promise<void> {
    const now = this.changes.now();
    for (const flag of await this.stores.flags.list(tx, projectKey)) {
      const doc = {
        ...flag.doc,
        environments: { ...flag.doc.environments, [envKey]: newEnvironmentConfig(flag.doc, now) },
      };
      await this.stores.flags.update(tx, flag, doc);
    }
  }

  async removed(tx: Transaction<Database>, projectKey: string, envKey: string): Promise<void> {
    for (const flag of await this.stores.flags.list(tx, projectKey)) {
      const { [envKey]: _gone, ...environments } = flag.doc.environments;
      await this.stores.flags.update(tx, flag, { ...flag.doc, environments });
    }
  }

  private async commit(
    tx: Transaction<Database>,
    record: RecordChange,
    actor: Actor,
    project: StoredDocument<ProjectDoc>,
    envs: readonly Env[],
    stored: StoredFlag,
    proposed: FlagDoc,
    comment: string | undefined,
    delta: unknown,
    /** The stored flag's representation, when the caller has it already. */
    representation?: Flag,
    options: FlagWriteOptions = {},
  ): Promise<Flag> {
    const doc = {
      ...proposed,
      variations: proposed.variations.map((v) => (v._id === undefined ? { ...v, _id: randomUUID() } : v)),
    };
    await this.check(tx, project.key, stored.key, envs, doc);
    await assertMaintainer(this.stores, tx, stored.doc, doc);
    const before = representation ?? flagRepresentation(project.key, stored, envs);
    const summary = summarizeFlagChange(stored.doc, doc, new Map(envs.map((e) => [e.key, e.doc.name])));
    if (summary.accesses.length === 0) return before;

    const raised = withRaisedVersions(stored.key, stored.doc, doc, this.changes.now());
    // A dry run goes through everything but the write and the audit entry (see flag-dry-run.ts).
    const updated = options.dryRun
      ? wouldBeStored(stored, raised)
      : await this.stores.flags.updateAtEnd(tx, stored, raised);
    const after = flagRepresentation(project.key, updated, envs);
    const byKey = new Map(envs.map((e) => [e.key, e]));
    const env = summary.envKey === undefined ? undefined : byKey.get(summary.envKey);
    const change: ChangeInput = {
      kind: 'flag',
      name: doc.name,
      actor,
      comment,
      accesses: summary.accesses.flatMap((a) => {
        const e = byKey.get(a.envKey);
        return e === undefined ? [] : [access(a.action, ...this.resource(project, e, stored))];
      }),
      newTags: doc.tags,
      titleVerb: summary.titleVerb,
      sitePath: flagSitePath(project.key, env?.key ?? envs[0]?.key, stored.key),
      environmentName: env?.doc.name,
      changes: summary.changes,
      parent: { name: project.doc.name, resource: `proj/${project.key}` },
      previousVersion: before,
      currentVersion: after,
      delta,
    };
    // A dry run asks whether the actor may make the change; the comment comes with the save.
    const uncommented = options.dryRun
      ? undefined
      : missingCommentError(
          summary.accesses.map((a) => byKey.get(a.envKey)),
          comment,
        );
    if (uncommented !== undefined) {
      // Someone who may not make the change at all hears that first.
      await authorizeOnly(change);
      throw uncommented;
    }
    await (options.dryRun ? authorizeOnly : record)(change);
    return after;
  }

  private async check(
    tx: Transaction<Database>,
    projectKey: string,
    flagKey: string,
    envs: readonly Env[],
    doc: FlagDoc,
  ): Promise<void> {
    await checkFlagDoc(this.stores.flags, tx, {
      projectKey,
      flagKey,
      environmentKeys: envs.map((e) => e.key),
      doc,
    });
  }

  /** The flag's resource with the tags of the project, environment and flag at this moment. */
  private resource(project: StoredDocument<ProjectDoc>, env: Env, flag: StoredFlag) {
    return flagResource(project, env, flag);
  }

  private async loadAll(
    tx: Transaction<Database>,
    projectKey: string,
    flagKey: string,
    early?: EarlyFlagRead,
  ) {
    const { project, envs, flag: stored } = await this.loader.load(tx, projectKey, flagKey, early);
    return { project, envs, stored, before: flagRepresentation(projectKey, stored, envs) };
  }

  private async project(tx: Transaction<Database>, key: string): Promise<StoredDocument<ProjectDoc>> {
    return this.stores.projects.getOrThrow(tx, '', key);
  }

  private async load(tx: Transaction<Database>, projectKey: string, flagKey: string): Promise<StoredFlag> {
    const flag = await this.stores.flags.get(tx, projectKey, flagKey);
    if (flag === undefined) throw new NotFoundError(`Flag "${flagKey}" not found in project "${projectKey}"`);
    return flag;
  }
}
