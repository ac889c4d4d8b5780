import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { ConflictError, NotFoundError } from '../../errors/app-errors.js';
import { checkSchema } from '../../shared/check-schema.js';
import { newId } from '../../shared/ids.js';
import {
  applyPatchRequest,
  assertUnchanged,
  type PatchRequest,
  patchDelta,
} from '../../shared/json-patch.js';
import { diffFields, mdValue } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChangeLog } from '../audit/change-log.js';
import { access, resources } from '../audit/resource-path.js';
import type { ProjectDoc } from '../projects/project-model.js';
import { environmentRepresentation, sdkEnvironmentOf } from '../projects/project-service.js';
import type { SdkKeyKind } from '../sdk/sdk-credentials.js';
import type { EnvironmentStore, ProjectStore, SegmentStore } from '../stores.js';
import { type EnvironmentListRequest, environmentPageQuery } from './environment-list.js';
import {
  type Environment,
  type EnvironmentDoc,
  EnvironmentDocSchema,
  type EnvironmentPost,
  environmentFieldRules,
  type LegacyEnvironmentDoc,
  newEnvironmentDoc,
} from './environment-model.js';
import type { SdkKeyPair, SdkKeyStore } from './sdk-key-store.js';
import { environmentShownTo, withoutSdkKeysIn } from './sdk-keys.js';

/** Resources that live in every environment (flag configurations) and follow it in and out. */
export interface EnvironmentHooks {
  added(tx: Transaction<Database>, projectKey: string, envKey: string): Promise<void>;
  removed(tx: Transaction<Database>, projectKey: string, envKey: string): Promise<void>;
}

const readOnly = ['_id', '_links', 'key', '_version', 'apiKey', 'mobileKey'];

export interface EnvironmentServiceOptions {
  readonly stores: {
    readonly environments: EnvironmentStore;
    readonly projects: ProjectStore;
    readonly segments: SegmentStore;
  };
  readonly changes: ChangeLog;
  readonly hooks: readonly EnvironmentHooks[];
  readonly keys: SdkKeyStore;
}

export class EnvironmentService {
  private readonly stores: EnvironmentServiceOptions['stores'];
  private readonly changes: ChangeLog;
  private readonly hooks: readonly EnvironmentHooks[];
  private readonly keys: SdkKeyStore;

  constructor(options: EnvironmentServiceOptions) {
    this.stores = options.stores;
    this.changes = options.changes;
    this.hooks = options.hooks;
    this.keys = options.keys;
  }

  /** Each environment with its SDK keys masked unless the actor has `viewSdkKey` on it. */
  async list(
    actor: Actor,
    projectKey: string,
    request: EnvironmentListRequest,
  ): Promise<{ items: Environment[]; totalCount: number }> {
    return this.changes.transact(async (tx) => {
      const project = await this.project(tx, projectKey);
      const page = await this.stores.environments.page(tx, environmentPageQuery(projectKey, request));
      const keys = await this.keys.current(
        tx,
        page.items.map((e) => e.id),
      );
      const items = page.items.map((e) =>
        this.shown(actor, project, environmentRepresentation(projectKey, e, keys.get(e.id))),
      );
      return { items, totalCount: page.totalCount };
    });
  }

  async get(actor: Actor, projectKey: string, envKey: string): Promise<Environment> {
    return this.changes.transact(async (tx) => {
      const project = await this.project(tx, projectKey);
      const env = await this.represent(tx, projectKey, await this.load(tx, projectKey, envKey));
      return this.shown(actor, project, env);
    });
  }

  async create(actor: Actor, projectKey: string, input: EnvironmentPost): Promise<Environment> {
    return this.changes.transact(async (tx, record) => {
      const project = await this.project(tx, projectKey);
      const env = await this.stores.environments.insert(tx, {
        id: newId(),
        scope: projectKey,
        key: input.key,
        doc: newEnvironmentDoc(input),
        createdAt: this.changes.now(),
      });
      for (const hook of this.hooks) await hook.added(tx, projectKey, env.key);
      const keys = await this.keys.issueBoth(tx, sdkEnvironmentOf(projectKey, env), this.changes.now());
      const current = environmentRepresentation(projectKey, env, keys);
      await record(
        withoutSdkKeysIn(
          {
            kind: 'environment',
            name: env.doc.name,
            actor,
            accesses: [
              access(
                'createEnvironment',
                ...resources.environment(
                  { key: projectKey, tags: project.doc.tags },
                  { key: env.key, tags: env.doc.tags },
                ),
              ),
            ],
            titleVerb: 'created the environment',
            sitePath: `/settings/projects/${projectKey}/environments/${env.key}`,
            changes: [`Created the environment in the project ${mdValue(project.doc.name)}`],
            parent: { name: project.doc.name, resource: `proj/${projectKey}` },
            currentVersion: current,
          },
          [keys],
        ),
      );
      return this.shown(actor, project, current);
    });
  }

  async update(
    actor: Actor,
    projectKey: string,
    envKey: string,
    request: PatchRequest,
  ): Promise<Environment> {
    return this.changes.transact(async (tx, record) => {
      const project = await this.project(tx, projectKey);
      const env = await this.load(tx, projectKey, envKey);
      const before = await this.represent(tx, projectKey, env);
      const patched = applyPatchRequest(before, request);
      assertUnchanged(before, patched, readOnly);
      const { _id, _links, key, _version, apiKey, mobileKey, ...doc } = patched;
      checkSchema(EnvironmentDocSchema, doc);
      // A document from before `critical` is not critical: not a change when a patch says so.
      const diff = diffFields({ critical: false, ...env.doc }, doc, environmentFieldRules);
      if (diff.actions.length === 0) return this.shown(actor, project, before);
      const updated = await this.stores.environments.update(tx, env, doc);
      const after = { ...before, ...doc, _version: updated.version };
      const resource = resources.environment(
        { key: projectKey, tags: project.doc.tags },
        { key: envKey, tags: env.doc.tags },
      );
      await record(
        withoutSdkKeysIn(
          {
            kind: 'environment',
            name: doc.name,
            actor,
            comment: request.comment,
            accesses: diff.actions.map((a) => access(a, ...resource)),
            newTags: doc.tags,
            titleVerb: 'updated the environment',
            sitePath: `/settings/projects/${projectKey}/environments/${envKey}`,
            changes: diff.changes,
            parent: { name: project.doc.name, resource: `proj/${projectKey}` },
            previousVersion: before,
            currentVersion: after,
            delta: patchDelta(request),
          },
          [before],
        ),
      );
      return this.shown(actor, project, after);
    });
  }

  async delete(actor: Actor, projectKey: string, envKey: string, comment?: string): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const project = await this.project(tx, projectKey);
      const env = await this.load(tx, projectKey, envKey);
      const before = await this.represent(tx, projectKey, env);
      for (const hook of this.hooks) await hook.removed(tx, projectKey, envKey);
      await this.stores.segments.deleteUnder(tx, `${projectKey}/${envKey}`);
      // In the same transaction: the keys stop opening anything when the environment goes.
      await this.keys.deleteForEnvironment(tx, env.id);
      await this.stores.environments.delete(tx, env);
      await record(
        withoutSdkKeysIn(
          {
            kind: 'environment',
            name: env.doc.name,
            actor,
            comment,
            accesses: [
              access(
                'deleteEnvironment',
                ...resources.environment(
                  { key: projectKey, tags: project.doc.tags },
                  { key: envKey, tags: env.doc.tags },
                ),
              ),
            ],
            titleVerb: 'deleted the environment',
            changes: [`Deleted the environment and its flag configurations and segments`],
            parent: { name: project.doc.name, resource: `proj/${projectKey}` },
            previousVersion: before,
          },
          [before],
        ),
      );
    });
  }

  /**
   * A new SDK key (`server`) or mobile key. The old one works until `expiry` when that is still
   * ahead, and stops at once otherwise (LaunchDarkly's behaviour). The environment's version
   * grows, so two rotations at once cannot both leave a current key: the second gets a 409.
   */
  async resetKey(
    actor: Actor,
    projectKey: string,
    envKey: string,
    kind: SdkKeyKind,
    expiry: number | undefined,
  ): Promise<Environment> {
    return this.changes.transact(async (tx, record) => {
      const project = await this.project(tx, projectKey);
      const env = await this.load(tx, projectKey, envKey);
      const now = this.changes.now();
      const before = await this.represent(tx, projectKey, env);
      const touched = await this.stores.environments.update(tx, env, env.doc);
      const fresh = await this.keys.rotate(tx, sdkEnvironmentOf(projectKey, env), kind, now, expiry);
      const after: Environment = {
        ...before,
        _version: touched.version,
        ...(kind === 'server' ? { apiKey: fresh } : { mobileKey: fresh }),
      };
      const what = kind === 'server' ? 'SDK key' : 'mobile key';
      const graced = expiry !== undefined && expiry > now;
      await record(
        withoutSdkKeysIn(
          {
            kind: 'environment',
            name: env.doc.name,
            actor,
            accesses: [
              access(
                kind === 'server' ? 'updateApiKey' : 'updateMobileKey',
                ...resources.environment(
                  { key: projectKey, tags: project.doc.tags },
                  { key: envKey, tags: env.doc.tags },
                ),
              ),
            ],
            titleVerb: `reset the ${what} of the environment`,
            sitePath: `/settings/projects/${projectKey}/environments/${envKey}`,
            changes: [
              graced
                ? `Reset the ${what}; the old key works until *${new Date(expiry).toISOString()}*`
                : `Reset the ${what}; the old key stopped working at once`,
            ],
            parent: { name: project.doc.name, resource: `proj/${projectKey}` },
            previousVersion: before,
            currentVersion: after,
          },
          [before, after],
        ),
      );
      return this.shown(actor, project, after);
    });
  }

  /**
   * Moves SDK keys still in environment documents (from before migration 005) into their own
   * table, sealed, and issues keys for any environment without one. Runs at start-up; several
   * nodes may run it at once: the document's compare-and-set lets one win, the others skip.
   */
  async sealPlainKeys(): Promise<number> {
    const envs = await this.changes.transact(async (tx) => {
      const all = await this.stores.environments.listAll(tx);
      const missing = await this.keys.missing(
        tx,
        all.map((e) => e.id),
      );
      const plain = (e: (typeof all)[number]) => {
        const doc = e.doc as LegacyEnvironmentDoc;
        return doc.apiKey !== undefined || doc.mobileKey !== undefined;
      };
      return all.filter((e) => plain(e) || missing.has(e.id)).map((e) => e.id);
    });
    let sealed = 0;
    for (const id of envs) {
      try {
        await this.changes.transact(async (tx) => {
          const env = await this.stores.environments.getById(tx, id);
          if (env === undefined) return;
          const { apiKey, mobileKey, ...doc } = env.doc as LegacyEnvironmentDoc;
          const kinds = (await this.keys.missing(tx, [id])).get(id) ?? [];
          const now = this.changes.now();
          const target = sdkEnvironmentOf(env.scope, env);
          for (const kind of kinds) {
            await this.keys.issue(tx, target, kind, now, kind === 'server' ? apiKey : mobileKey);
          }
          await this.stores.environments.update(tx, env, doc);
        });
        sealed++;
      } catch (error) {
        // Another node sealed it first.
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    return sealed;
  }

  private async represent(
    tx: Transaction<Database>,
    projectKey: string,
    env: StoredDocument<EnvironmentDoc>,
  ): Promise<Environment> {
    const keys: Map<string, SdkKeyPair> = await this.keys.current(tx, [env.id]);
    return environmentRepresentation(projectKey, env, keys.get(env.id));
  }

  private shown(actor: Actor, project: StoredDocument<ProjectDoc>, env: Environment): Environment {
    return environmentShownTo(actor, { key: project.key, tags: project.doc.tags }, env);
  }

  private async project(tx: Transaction<Database>, key: string): Promise<StoredDocument<ProjectDoc>> {
    return this.stores.projects.getOrThrow(tx, '', key);
  }

  private async load(
    tx: Transaction<Database>,
    projectKey: string,
    envKey: string,
  ): Promise<StoredDocument<EnvironmentDoc>> {
    const env = await this.stores.environments.get(tx, projectKey, envKey);
    if (env === undefined)
      throw new NotFoundError(`Environment "${envKey}" not found in project "${projectKey}"`);
    return env;
  }
}
