import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { NotFoundError } from '../../errors/app-errors.js';
import { checkSchema } from '../../http/check-schema.js';
import { applyJsonPatch, assertUnchanged, type PatchRequest } from '../../http/json-patch.js';
import { newId } from '../../shared/ids.js';
import { diffFields, mdValue } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChangeLog } from '../audit/change-log.js';
import { access, resources } from '../audit/resource-path.js';
import type { ProjectDoc } from '../projects/project-model.js';
import { environmentRepresentation } from '../projects/project-service.js';
import type { Stores } from '../stores.js';
import {
  type Environment,
  type EnvironmentDoc,
  EnvironmentDocSchema,
  type EnvironmentPost,
  environmentFieldRules,
  newEnvironmentDoc,
} from './environment-model.js';
import { environmentShownTo, withoutSdkKeysIn } from './sdk-keys.js';

/** Resources that live in every environment (flag configurations) and follow it in and out. */
export interface EnvironmentHooks {
  added(tx: Transaction<Database>, projectKey: string, envKey: string): Promise<void>;
  removed(tx: Transaction<Database>, projectKey: string, envKey: string): Promise<void>;
}

const readOnly = ['_id', '_links', 'key', '_version', 'apiKey', 'mobileKey'];

export class EnvironmentService {
  constructor(
    private readonly stores: Stores,
    private readonly changes: ChangeLog,
    private readonly hooks: readonly EnvironmentHooks[],
  ) {}

  /** Each environment with its SDK keys masked unless the actor has `viewSdkKey` on it. */
  async list(actor: Actor, projectKey: string): Promise<Environment[]> {
    return this.changes.transact(async (tx) => {
      const project = await this.project(tx, projectKey);
      const envs = await this.stores.environments.list(tx, projectKey);
      return envs.map((e) => this.shown(actor, project, environmentRepresentation(projectKey, e)));
    });
  }

  async get(actor: Actor, projectKey: string, envKey: string): Promise<Environment> {
    return this.changes.transact(async (tx) => {
      const project = await this.project(tx, projectKey);
      const env = environmentRepresentation(projectKey, await this.load(tx, projectKey, envKey));
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
      const current = environmentRepresentation(projectKey, env);
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
          [env.doc],
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
      const before = environmentRepresentation(projectKey, env);
      const patched = applyJsonPatch(before, request.patch, '/patch');
      assertUnchanged(before, patched, readOnly);
      const { _id, _links, key, _version, ...doc } = patched;
      checkSchema(EnvironmentDocSchema, doc);
      const diff = diffFields(env.doc, doc, environmentFieldRules);
      if (diff.actions.length === 0) return this.shown(actor, project, before);
      const updated = await this.stores.environments.update(tx, env, doc);
      const after = environmentRepresentation(projectKey, updated);
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
            delta: request.patch,
          },
          [env.doc],
        ),
      );
      return this.shown(actor, project, after);
    });
  }

  async delete(actor: Actor, projectKey: string, envKey: string, comment?: string): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const project = await this.project(tx, projectKey);
      const env = await this.load(tx, projectKey, envKey);
      for (const hook of this.hooks) await hook.removed(tx, projectKey, envKey);
      await this.stores.segments.deleteUnder(tx, `${projectKey}/${envKey}`);
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
            previousVersion: environmentRepresentation(projectKey, env),
          },
          [env.doc],
        ),
      );
    });
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
