import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import type { Paging } from '../../http/list-query.js';
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
import {
  defaultEnvironments,
  type Environment,
  type EnvironmentDoc,
  type LegacyEnvironmentDoc,
  newEnvironmentDoc,
} from '../environments/environment-model.js';
import type { SdkKeyPair, SdkKeyStore } from '../environments/sdk-key-store.js';
import { withoutSdkKeysIn } from '../environments/sdk-keys.js';
import type { SdkEnvironment } from '../sdk/sdk-credentials.js';
import type { EnvironmentStore, FlagStore, MetricStore, ProjectStore, SegmentStore } from '../stores.js';
import { type ProjectListRequest, projectListQuery } from './project-list.js';
import {
  type Project,
  type ProjectDoc,
  ProjectDocSchema,
  type ProjectPost,
  projectFieldRules,
} from './project-model.js';

/**
 * The environment as the API shows it, LaunchDarkly's shape: its document with its current SDK
 * keys (from their own table). Mask them with `environmentShownTo` before answering.
 */
export function environmentRepresentation(
  projectKey: string,
  env: StoredDocument<EnvironmentDoc>,
  keys: SdkKeyPair | undefined,
): Environment {
  // A document from before migration 005 may still hold keys until start-up seals them.
  const { apiKey: _a, mobileKey: _m, ...doc } = env.doc as LegacyEnvironmentDoc;
  return {
    _id: env.id,
    _links: {
      self: { href: `/api/v2/projects/${projectKey}/environments/${env.key}`, type: 'application/json' },
    },
    key: env.key,
    _version: env.version,
    ...doc,
    critical: doc.critical ?? false,
    apiKey: keys?.apiKey ?? '',
    mobileKey: keys?.mobileKey ?? '',
  };
}

/** What names an environment to the SDK side: its project, its key and its id. */
export function sdkEnvironmentOf(projectKey: string, env: StoredDocument<EnvironmentDoc>): SdkEnvironment {
  return { projectKey, envKey: env.key, environmentId: env.id };
}

export function projectRepresentation(
  project: StoredDocument<ProjectDoc>,
  environments: readonly StoredDocument<EnvironmentDoc>[],
  keys: ReadonlyMap<string, SdkKeyPair>,
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
    environments: environments.map((e) => environmentRepresentation(project.key, e, keys.get(e.id))),
  };
}

const readOnly = ['_id', '_links', 'key', '_version', 'environments'];

export class ProjectService {
  constructor(
    private readonly stores: {
      readonly environments: EnvironmentStore;
      readonly flags: FlagStore;
      readonly metrics: MetricStore;
      readonly projects: ProjectStore;
      readonly segments: SegmentStore;
    },
    private readonly changes: ChangeLog,
    private readonly keys: SdkKeyStore,
  ) {}

  /**
   * One page of the projects `visible` lets through, filtered and sorted in the database; who
   * may view a project is a policy over its tags, so the page is cut after that check.
   */
  async list(
    request: ProjectListRequest & Paging,
    visible: (project: StoredDocument<ProjectDoc>) => boolean,
  ): Promise<{ items: Project[]; totalCount: number }> {
    return this.changes.transact(async (tx) => {
      const shown = (await this.stores.projects.page(tx, projectListQuery(request))).items.filter(visible);
      const page = shown.slice(request.offset, request.offset + request.limit);
      const items: Project[] = [];
      for (const p of page) {
        const envs = await this.stores.environments.list(tx, p.key);
        items.push(projectRepresentation(p, envs, await this.keysOf(tx, envs)));
      }
      return { items, totalCount: shown.length };
    });
  }

  async get(key: string): Promise<Project> {
    return this.changes.transact(async (tx) => {
      const project = await this.load(tx, key);
      const envs = await this.stores.environments.list(tx, key);
      return projectRepresentation(project, envs, await this.keysOf(tx, envs));
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
      const keys = new Map<string, SdkKeyPair>();
      for (const [i, envInput] of envInputs.entries()) {
        const env = await this.stores.environments.insert(tx, {
          id: newId(),
          scope: input.key,
          key: envInput.key,
          doc: newEnvironmentDoc(envInput),
          createdAt: now + i, // keeps the listed order
        });
        envs.push(env);
        keys.set(env.id, await this.keys.issueBoth(tx, sdkEnvironmentOf(input.key, env), now));
      }
      const tagged = { key: project.key, tags: doc.tags };
      const current = projectRepresentation(project, envs, keys);
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
          [...keys.values()],
        ),
      );
      return current;
    });
  }

  async update(actor: Actor, key: string, request: PatchRequest): Promise<Project> {
    return this.changes.transact(async (tx, record) => {
      const project = await this.load(tx, key);
      const envs = await this.stores.environments.list(tx, key);
      const keys = await this.keysOf(tx, envs);
      const before = projectRepresentation(project, envs, keys);
      const patched = applyPatchRequest(before, request);
      assertUnchanged(before, patched, readOnly);
      const { _id, _links, key: _k, _version, environments, ...doc } = patched;
      checkSchema(ProjectDocSchema, doc);
      const diff = diffFields(project.doc, doc, projectFieldRules);
      if (diff.actions.length === 0) return before;
      const updated = await this.stores.projects.update(tx, project, doc);
      const after = projectRepresentation(updated, envs, keys);
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
            delta: patchDelta(request),
          },
          [...keys.values()],
        ),
      );
      return after;
    });
  }

  async delete(actor: Actor, key: string, comment?: string): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const project = await this.load(tx, key);
      const envs = await this.stores.environments.list(tx, key);
      const keys = await this.keysOf(tx, envs);
      const before = projectRepresentation(project, envs, keys);
      // The keys go in the same transaction: no SDK reads a project that no longer exists.
      await this.keys.deleteForProject(tx, key);
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
          [...keys.values()],
        ),
      );
    });
  }

  private async keysOf(
    tx: Transaction<Database>,
    envs: readonly StoredDocument<EnvironmentDoc>[],
  ): Promise<Map<string, SdkKeyPair>> {
    return this.keys.current(
      tx,
      envs.map((e) => e.id),
    );
  }

  private async load(tx: Transaction<Database>, key: string): Promise<StoredDocument<ProjectDoc>> {
    return this.stores.projects.getOrThrow(tx, '', key);
  }
}
