import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { NotFoundError, ValidationError } from '../../errors/app-errors.js';
import { checkSchema } from '../../shared/check-schema.js';
import { newId } from '../../shared/ids.js';
import { applyJsonPatch, assertUnchanged, type PatchRequest } from '../../shared/json-patch.js';
import { diffFields, mdValue } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChangeLog, RecordChange } from '../audit/change-log.js';
import { access, resources, type TaggedKey } from '../audit/resource-path.js';
import type { EnvironmentDoc } from '../environments/environment-model.js';
import { withClauseIds } from '../flags/flag-rule-ids.js';
import type { SemanticPatch } from '../flags/flag-semantic-patch.js';
import type { ProjectDoc } from '../projects/project-model.js';
import type { EnvironmentStore, ProjectStore, SegmentStore } from '../stores.js';
import { type SegmentListRequest, segmentPageQuery } from './segment-list.js';
import {
  type Segment,
  type SegmentDoc,
  SegmentDocSchema,
  type SegmentPost,
  segmentFieldRules,
} from './segment-model.js';
import { describeContextTargetChanges, describeRuleChanges } from './segment-rule-changes.js';
import { applySegmentSemanticPatch } from './segment-semantic-patch.js';

export function segmentRepresentation(
  projectKey: string,
  envKey: string,
  segment: StoredDocument<SegmentDoc>,
): Segment {
  return {
    key: segment.key,
    _version: segment.version,
    _links: {
      self: { href: `/api/v2/segments/${projectKey}/${envKey}/${segment.key}`, type: 'application/json' },
    },
    ...segment.doc,
    unbounded: false,
    version: segment.version,
    lastModifiedDate: segment.doc.lastModifiedDate ?? segment.doc.creationDate,
    deleted: false,
    generation: 1,
  };
}

const readOnly = [
  'key',
  '_version',
  '_links',
  'creationDate',
  'unbounded',
  'version',
  'lastModifiedDate',
  'deleted',
  'generation',
];

/**
 * Rules added by a client (POST or patch) get a server id, as LaunchDarkly does; ids must be
 * unique because audit descriptions match rules by id. Non-objects are left for the schema check.
 */
function withRuleIds<R extends { _id?: string | undefined }>(rules: readonly R[]): (R & { _id: string })[] {
  const seen = new Set<unknown>();
  return rules.map((rule, i) => {
    // After a patch the static type is a hope, not a fact: leave non-objects to checkSchema.
    if (typeof rule !== 'object' || rule === null) return rule as R & { _id: string };
    const withClauses = { ...rule, clauses: withClauseIds((rule as { clauses?: unknown }).clauses, newId) };
    if (rule._id === undefined) return { ...withClauses, _id: newId() };
    if (seen.has(rule._id)) throw ValidationError.at(`/rules/${i}/_id`, 'duplicate rule id');
    seen.add(rule._id);
    return withClauses as R & { _id: string };
  });
}

interface Parents {
  readonly project: StoredDocument<ProjectDoc>;
  readonly env: StoredDocument<EnvironmentDoc>;
}

export class SegmentService {
  constructor(
    private readonly stores: {
      readonly environments: EnvironmentStore;
      readonly projects: ProjectStore;
      readonly segments: SegmentStore;
    },
    private readonly changes: ChangeLog,
  ) {}

  async list(
    projectKey: string,
    envKey: string,
    request: SegmentListRequest,
  ): Promise<{ items: Segment[]; totalCount: number }> {
    return this.changes.transact(async (tx) => {
      await this.parents(tx, projectKey, envKey);
      const page = await this.stores.segments.page(tx, segmentPageQuery(`${projectKey}/${envKey}`, request));
      return {
        items: page.items.map((s) => segmentRepresentation(projectKey, envKey, s)),
        totalCount: page.totalCount,
      };
    });
  }

  async get(projectKey: string, envKey: string, key: string): Promise<Segment> {
    return this.changes.transact(async (tx) => {
      await this.parents(tx, projectKey, envKey);
      return segmentRepresentation(projectKey, envKey, await this.load(tx, projectKey, envKey, key));
    });
  }

  async create(actor: Actor, projectKey: string, envKey: string, input: SegmentPost): Promise<Segment> {
    return this.changes.transact(async (tx, record) => {
      const parents = await this.parents(tx, projectKey, envKey);
      const now = this.changes.now();
      const doc: SegmentDoc = {
        name: input.name,
        description: input.description ?? '',
        tags: input.tags ?? [],
        included: input.included ?? [],
        excluded: input.excluded ?? [],
        includedContexts: input.includedContexts ?? [],
        excludedContexts: input.excludedContexts ?? [],
        rules: withRuleIds(input.rules ?? []),
        creationDate: now,
        lastModifiedDate: now,
      };
      const segment = await this.stores.segments.insert(tx, {
        id: newId(),
        scope: `${projectKey}/${envKey}`,
        key: input.key,
        doc,
        createdAt: now,
      });
      const current = segmentRepresentation(projectKey, envKey, segment);
      await record({
        ...this.context(parents, segment.key, doc),
        actor,
        accesses: [access('createSegment', ...this.resource(parents, { key: segment.key, tags: doc.tags }))],
        titleVerb: 'created the segment',
        changes: [`Created the segment in the project ${mdValue(parents.project.doc.name)}`],
        currentVersion: current,
      });
      return current;
    });
  }

  async update(
    actor: Actor,
    projectKey: string,
    envKey: string,
    key: string,
    request: PatchRequest,
  ): Promise<Segment> {
    return this.changes.transact(async (tx, record) => {
      const parents = await this.parents(tx, projectKey, envKey);
      const segment = await this.load(tx, projectKey, envKey, key);
      const before = segmentRepresentation(projectKey, envKey, segment);
      const patched = applyJsonPatch(before, request.patch, '/patch');
      assertUnchanged(before, patched, readOnly);
      const { key: _k, _version, _links, unbounded, version, deleted, generation, ...fields } = patched;
      const doc: SegmentDoc = {
        ...fields,
        rules: Array.isArray(fields.rules) ? withRuleIds(fields.rules) : fields.rules,
      };
      return this.commit(tx, record, actor, parents, segment, doc, request.comment, request.patch);
    });
  }

  /** LaunchDarkly's semantic patch: instructions applied in order, all or nothing. */
  async applyInstructions(
    actor: Actor,
    projectKey: string,
    envKey: string,
    key: string,
    patch: SemanticPatch,
  ): Promise<Segment> {
    return this.changes.transact(async (tx, record) => {
      const parents = await this.parents(tx, projectKey, envKey);
      const segment = await this.load(tx, projectKey, envKey, key);
      const doc = applySegmentSemanticPatch(segment.doc, patch, envKey, newId);
      return this.commit(tx, record, actor, parents, segment, doc, patch.comment, patch.instructions);
    });
  }

  /** Validates, writes and audits a segment's new document; nothing when nothing changed. */
  private async commit(
    tx: Transaction<Database>,
    record: RecordChange,
    actor: Actor,
    parents: Parents,
    segment: StoredDocument<SegmentDoc>,
    doc: SegmentDoc,
    comment: string | undefined,
    delta: unknown,
  ): Promise<Segment> {
    const { project, env } = parents;
    const projectKey = project.key;
    const envKey = env.key;
    const key = segment.key;
    const before = segmentRepresentation(projectKey, envKey, segment);
    checkSchema(SegmentDocSchema, doc);
    const diff = diffFields(segment.doc, doc, segmentFieldRules);
    const targetChanges = describeContextTargetChanges(segment.doc, doc);
    const ruleChanges = describeRuleChanges(segment.doc.rules, doc.rules);
    const actions = [
      ...new Set([
        ...diff.actions,
        ...targetChanges.actions,
        ...(ruleChanges.length > 0 ? ['updateRules'] : []),
      ]),
    ];
    if (actions.length === 0) return before;
    const updated = await this.stores.segments.update(tx, segment, {
      ...doc,
      lastModifiedDate: this.changes.now(),
    });
    const after = segmentRepresentation(projectKey, envKey, updated);
    // Tags as they were before the change: a filter on the old tags still hears that they changed.
    const resource = this.resource(parents, { key, tags: segment.doc.tags });
    await record({
      ...this.context(parents, key, doc),
      actor,
      comment,
      accesses: actions.map((a) => access(a, ...resource)),
      newTags: doc.tags,
      titleVerb: 'updated the segment',
      changes: [...diff.changes, ...targetChanges.changes, ...ruleChanges],
      previousVersion: before,
      currentVersion: after,
      delta,
    });
    return after;
  }

  async delete(
    actor: Actor,
    projectKey: string,
    envKey: string,
    key: string,
    comment?: string,
  ): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const parents = await this.parents(tx, projectKey, envKey);
      const segment = await this.load(tx, projectKey, envKey, key);
      await this.stores.segments.delete(tx, segment);
      await record({
        ...this.context(parents, key, segment.doc),
        sitePath: undefined,
        actor,
        comment,
        accesses: [access('deleteSegment', ...this.resource(parents, { key, tags: segment.doc.tags }))],
        titleVerb: 'deleted the segment',
        changes: ['Deleted the segment'],
        previousVersion: segmentRepresentation(projectKey, envKey, segment),
      });
    });
  }

  /** The parts of an audit entry every segment change shares. */
  private context({ project, env }: Parents, key: string, doc: SegmentDoc) {
    return {
      kind: 'segment',
      name: doc.name,
      sitePath: `/${project.key}/${env.key}/segments/${key}`,
      environmentName: env.doc.name,
      parent: { name: env.doc.name, resource: `proj/${project.key}:env/${env.key}` },
    };
  }

  private resource({ project, env }: Parents, segment: TaggedKey) {
    return resources.segment(
      { key: project.key, tags: project.doc.tags },
      { key: env.key, tags: env.doc.tags },
      segment,
    );
  }

  private async parents(tx: Transaction<Database>, projectKey: string, envKey: string): Promise<Parents> {
    const project = await this.stores.projects.get(tx, '', projectKey);
    if (project === undefined) throw new NotFoundError(`Project "${projectKey}" not found`);
    const env = await this.stores.environments.get(tx, projectKey, envKey);
    if (env === undefined)
      throw new NotFoundError(`Environment "${envKey}" not found in project "${projectKey}"`);
    return { project, env };
  }

  private async load(
    tx: Transaction<Database>,
    projectKey: string,
    envKey: string,
    key: string,
  ): Promise<StoredDocument<SegmentDoc>> {
    const segment = await this.stores.segments.get(tx, `${projectKey}/${envKey}`, key);
    if (segment === undefined)
      throw new NotFoundError(
        `Segment "${key}" not found in environment "${envKey}" of project "${projectKey}"`,
      );
    return segment;
  }
}
