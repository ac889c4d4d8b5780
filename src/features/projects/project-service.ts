import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { checkSchema } from '../../http/check-schema.js';
import { applyJsonPatch, assertUnchanged, type PatchRequest } from '../../http/json-patch.js';
import { newId } from '../../shared/ids.js';
import { diffFields, mdValue } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChangeLog } from '../audit/change-log.js';
import { access, resources } from '../audit/resource-path.js';
import {
  defaultEnvironments,
  type Environment,
  type EnvironmentDoc,
  newEnvironmentDoc,
} from '../environments/environment-model.js';
import { withoutSdkKeysIn } from '../environments/sdk-keys.js';
import type { Stores } from '../stores.js';
import {
  type Project,
  type ProjectDoc,
  ProjectDocSchema,
  type ProjectPost,
  projectFieldRules,
} from './project-model.js';

export function environmentRepresentation(
  projectKey: string,
  env: StoredDocument<EnvironmentDoc>,
): Environment {
  return {
    _id: env.id,
    _links: {
      self: { href: `/api/v2/projects/${projectKey}/environments/${env.key}`, type: 'application/json' },
    },
    key: env.key,
    _version: env.version,
    ...env.doc,
  };
}

export function projectRepresentation(
  project: StoredDocument<ProjectDoc>,
  environments: readonly StoredDocument<EnvironmentDoc>[],
): Project {
  return {
    _id: project.id,
    _links: {
      self: { href: `/api/v2/projects/${project.key}`, type: 'application/json' },
      environments: { href: `/api/v2/projects/${project.key}/environments`, type: 'application/json' },
    },
    key: project.key,
    _version: project.version,
    ...project.doc,
    environments: environments.map((e) => environmentRepresentation(project.key, e)),
  };
}

const readOnly = ['_id', '_links', 'key', '_version', 'environments'];

export class ProjectService {
  constructor(
    private readonly stores: Stores,
    private readonly changes: ChangeLog,
  ) {}

  async list(): Promise<Project[]> {
    return this.changes.transact(async (tx) => {
      const projects = await this.stores.projects.listAll(tx);
      const envs = await this.stores.environments.listAll(tx);
      return projects.map((p) =>
        projectRepresentation(
          p,
          envs.filter((e) => e.scope === p.key),
        ),
      );
    });
  }

  async get(key: string): Promise<Project> {
    return this.changes.transact(async (tx) => {
      const project = await this.load(tx, key);
      return projectRepresentation(project, await this.stores.environments.list(tx, key));
    });
  }

  async create(actor: Actor, input: ProjectPost): Promise<Project> {
    return this.changes.transact(async (tx, record) => {
      const now = this.changes.now();
      const doc: ProjectDoc = {
        name: input.name,
        tags: input.tags ?? [],
        includeInSnippetByDefault: input.includeInSnippetByDefault ?? false,
        defaultClientSideAvailability: input.defaultClientSideAvailability ?? {
          usingMobileKey: false,
          usingEnvironmentId: false,
        },
      };
      const project = await this.stores.projects.insert(tx, {
        id: newId(),
        scope: '',
        key: input.key,
        doc,
        createdAt: now,
      });
      const envInputs = input.environments ?? defaultEnvironments;
      const envs: StoredDocument<EnvironmentDoc>[] = [];
      for (const [i, envInput] of envInputs.entries()) {
        const env = await this.stores.environments.insert(tx, {
          id: newId(),
          scope: input.key,
          key: envInput.key,
          doc: newEnvironmentDoc(envInput),
          createdAt: now + i, // keeps the listed order
        });
        envs.push(env);
      }
      const tagged = { key: project.key, tags: doc.tags };
      const current = projectRepresentation(project, envs);
      await record(
        withoutSdkKeysIn(
          {
            kind: 'project',
            name: doc.name,
            actor,
            accesses: [
              access('createProject', ...resources.project(tagged)),
              ...envs.map((e) =>
                access(
                  'createEnvironment',
                  ...resources.environment(tagged, { key: e.key, tags: e.doc.tags }),
                ),
              ),
            ],
            titleVerb: 'created the project',
            sitePath: `/settings/projects/${project.key}`,
            changes: [`Created the project with environments ${mdValue(envs.map((e) => e.doc.name))}`],
            currentVersion: current,
          },
          envs.map((e) => e.doc),
        ),
      );
      return current;
    });
  }

  async update(actor: Actor, key: string, request: PatchRequest): Promise<Project> {
    return this.changes.transact(async (tx, record) => {
      const project = await this.load(tx, key);
      const envs = await this.stores.environments.list(tx, key);
      const before = projectRepresentation(project, envs);
      const patched = applyJsonPatch(before, request.patch, '/patch');
      assertUnchanged(before, patched, readOnly);
      const { _id, _links, key: _k, _version, environments, ...doc } = patched;
      checkSchema(ProjectDocSchema, doc);
      const diff = diffFields(project.doc, doc, projectFieldRules);
      if (diff.actions.length === 0) return before;
      const updated = await this.stores.projects.update(tx, project, doc);
      const after = projectRepresentation(updated, envs);
      const previousTags = { key, tags: project.doc.tags };
      await record(
        withoutSdkKeysIn(
          {
            kind: 'project',
            name: doc.name,
            actor,
            comment: request.comment,
            accesses: diff.actions.map((a) => access(a, ...resources.project(previousTags))),
            newTags: doc.tags,
            titleVerb: 'updated the project',
            sitePath: `/settings/projects/${key}`,
            changes: diff.changes,
            previousVersion: before,
            currentVersion: after,
            delta: request.patch,
          },
          envs.map((e) => e.doc),
        ),
      );
      return after;
    });
  }

  async delete(actor: Actor, key: string, comment?: string): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const project = await this.load(tx, key);
      const envs = await this.stores.environments.list(tx, key);
      const before = projectRepresentation(project, envs);
      for (const store of [
        this.stores.environments,
        this.stores.flags,
        this.stores.metrics,
        this.stores.segments,
      ]) {
        await store.deleteUnder(tx, key);
      }
      await this.stores.projects.delete(tx, project);
      await record(
        withoutSdkKeysIn(
          {
            kind: 'project',
            name: project.doc.name,
            actor,
            comment,
            accesses: [access('deleteProject', ...resources.project({ key, tags: project.doc.tags }))],
            titleVerb: 'deleted the project',
            changes: ['Deleted the project and everything in it'],
            previousVersion: before,
          },
          envs.map((e) => e.doc),
        ),
      );
    });
  }

  private async load(tx: Transaction<Database>, key: string): Promise<StoredDocument<ProjectDoc>> {
    return this.stores.projects.getOrThrow(tx, '', key);
  }
}
