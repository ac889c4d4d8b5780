import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { NotFoundError, ValidationError } from '../../errors/app-errors.js';
import { checkSchema } from '../../shared/check-schema.js';
import { newId } from '../../shared/ids.js';
import { applyJsonPatch, assertUnchanged, type PatchRequest } from '../../shared/json-patch.js';
import { diffFields, mdValue } from '../audit/audit-builder.js';
import type { Actor } from '../audit/audit-model.js';
import type { ChangeLog } from '../audit/change-log.js';
import { access, resources } from '../audit/resource-path.js';
import type { ProjectDoc } from '../projects/project-model.js';
import type { MemberStore, MetricStore, ProjectStore } from '../stores.js';
import { type MetricListRequest, metricPageQuery } from './metric-list.js';
import {
  type Metric,
  type MetricDoc,
  MetricDocSchema,
  type MetricPost,
  metricFieldRules,
  metricKindLabels,
  metricProblems,
} from './metric-model.js';

export function metricRepresentation(projectKey: string, metric: StoredDocument<MetricDoc>): Metric {
  return {
    _id: metric.id,
    key: metric.key,
    _version: metric.version,
    _links: { self: { href: `/api/v2/metrics/${projectKey}/${metric.key}`, type: 'application/json' } },
    ...metric.doc,
    _versionId: versionId(metric),
    _creationDate: metric.doc.creationDate,
  };
}

/** Names this version of the metric: the same for the same version, another after any change. */
function versionId(metric: StoredDocument<MetricDoc>): string {
  return createHash('sha256').update(`${metric.id}:${metric.version}`).digest('hex').slice(0, 24);
}

// `kind` is fixed at creation: it decides which other fields mean anything, and LaunchDarkly's
// action catalog has no action for changing it, so a policy could not filter such a change.
const readOnly = ['_id', 'key', '_version', '_links', 'kind', 'creationDate', '_versionId', '_creationDate'];

function checkMetric(doc: MetricDoc): void {
  const problems = metricProblems(doc);
  if (problems.length > 0) throw new ValidationError(problems);
}

export class MetricService {
  constructor(
    private readonly stores: {
      readonly members: MemberStore;
      readonly metrics: MetricStore;
      readonly projects: ProjectStore;
    },
    private readonly changes: ChangeLog,
  ) {}

  async list(
    projectKey: string,
    request: MetricListRequest,
  ): Promise<{ items: Metric[]; totalCount: number }> {
    return this.changes.transact(async (tx) => {
      await this.project(tx, projectKey);
      const page = await this.stores.metrics.page(tx, metricPageQuery(projectKey, request));
      return {
        items: page.items.map((m) => metricRepresentation(projectKey, m)),
        totalCount: page.totalCount,
      };
    });
  }

  async get(projectKey: string, key: string): Promise<Metric> {
    return this.changes.transact(async (tx) => {
      await this.project(tx, projectKey);
      return metricRepresentation(projectKey, await this.load(tx, projectKey, key));
    });
  }

  async create(actor: Actor, projectKey: string, input: MetricPost): Promise<Metric> {
    return this.changes.transact(async (tx, record) => {
      const project = await this.project(tx, projectKey);
      const now = this.changes.now();
      const doc: MetricDoc = {
        kind: input.kind,
        name: input.name ?? input.key,
        description: input.description ?? '',
        tags: input.tags ?? [],
        eventKey: input.eventKey,
        isNumeric: input.isNumeric ?? false,
        unit: input.unit,
        successCriteria: input.successCriteria,
        urls: input.urls,
        selector: input.selector,
        maintainerId: input.maintainerId,
        creationDate: now,
      };
      checkMetric(doc);
      await this.maintainerEmail(tx, doc.maintainerId);
      const metric = await this.stores.metrics.insert(tx, {
        id: newId(),
        scope: projectKey,
        key: input.key,
        doc,
        createdAt: now,
      });
      const current = metricRepresentation(projectKey, metric);
      const tracking = doc.eventKey === undefined ? '' : ` tracking the event ${mdValue(doc.eventKey)}`;
      await record({
        ...this.context(project, metric.key, doc),
        actor,
        accesses: [
          access(
            'createMetric',
            ...resources.metric(
              { key: projectKey, tags: project.doc.tags },
              { key: metric.key, tags: doc.tags },
            ),
          ),
        ],
        titleVerb: 'created the metric',
        changes: [
          `Created a ${metricKindLabels[doc.kind]} metric${tracking} in the project ${mdValue(project.doc.name)}`,
        ],
        currentVersion: current,
      });
      return current;
    });
  }

  async update(actor: Actor, projectKey: string, key: string, request: PatchRequest): Promise<Metric> {
    return this.changes.transact(async (tx, record) => {
      const project = await this.project(tx, projectKey);
      const metric = await this.load(tx, projectKey, key);
      const before = metricRepresentation(projectKey, metric);
      const patched = applyJsonPatch(before, request.patch, '/patch');
      assertUnchanged(before, patched, readOnly);
      const { _id, key: _k, _version, _links, _versionId, _creationDate, ...doc } = patched;
      checkSchema(MetricDocSchema, doc);
      checkMetric(doc);
      const { actions, changes } = diffFields(metric.doc, doc, metricFieldRules);
      if (doc.maintainerId !== metric.doc.maintainerId) {
        const now = await this.maintainerEmail(tx, doc.maintainerId);
        const was = await this.formerMaintainerEmail(tx, metric.doc.maintainerId);
        actions.push('updateMaintainer');
        changes.push(`Changed the maintainer from ${mdValue(was)} to ${mdValue(now)}`);
      }
      if (actions.length === 0) return before;
      const updated = await this.stores.metrics.update(tx, metric, doc);
      const after = metricRepresentation(projectKey, updated);
      // Tags as they were before the change: a filter on the old tags still hears that they changed.
      const resource = resources.metric(
        { key: projectKey, tags: project.doc.tags },
        { key, tags: metric.doc.tags },
      );
      await record({
        ...this.context(project, key, doc),
        actor,
        comment: request.comment,
        accesses: actions.map((a) => access(a, ...resource)),
        newTags: doc.tags,
        titleVerb: 'updated the metric',
        changes,
        previousVersion: before,
        currentVersion: after,
        delta: request.patch,
      });
      return after;
    });
  }

  async delete(actor: Actor, projectKey: string, key: string, comment?: string): Promise<void> {
    await this.changes.transact(async (tx, record) => {
      const project = await this.project(tx, projectKey);
      const metric = await this.load(tx, projectKey, key);
      await this.stores.metrics.delete(tx, metric);
      await record({
        ...this.context(project, key, metric.doc),
        sitePath: undefined,
        actor,
        comment,
        accesses: [
          access(
            'deleteMetric',
            ...resources.metric({ key: projectKey, tags: project.doc.tags }, { key, tags: metric.doc.tags }),
          ),
        ],
        titleVerb: 'deleted the metric',
        changes: ['Deleted the metric'],
        previousVersion: metricRepresentation(projectKey, metric),
      });
    });
  }

  /** The parts of an audit entry every metric change shares. */
  private context(project: StoredDocument<ProjectDoc>, key: string, doc: MetricDoc) {
    return {
      kind: 'metric',
      name: doc.name,
      sitePath: `/${project.key}/metrics/${key}`,
      parent: { name: project.doc.name, resource: `proj/${project.key}` },
    };
  }

  /** A new maintainer must be a member; shown by email in the audit entry. */
  private async maintainerEmail(
    tx: Transaction<Database>,
    id: string | undefined,
  ): Promise<string | undefined> {
    if (id === undefined) return undefined;
    const member = await this.stores.members.getById(tx, id);
    if (member === undefined) throw ValidationError.at('/maintainerId', `no member has the id "${id}"`);
    return member.doc.email;
  }

  /** The previous maintainer may have left since: then the id is all there is to show. */
  private async formerMaintainerEmail(
    tx: Transaction<Database>,
    id: string | undefined,
  ): Promise<string | undefined> {
    if (id === undefined) return undefined;
    return (await this.stores.members.getById(tx, id))?.doc.email ?? id;
  }

  private async project(tx: Transaction<Database>, key: string): Promise<StoredDocument<ProjectDoc>> {
    return this.stores.projects.getOrThrow(tx, '', key);
  }

  private async load(
    tx: Transaction<Database>,
    projectKey: string,
    key: string,
  ): Promise<StoredDocument<MetricDoc>> {
    const metric = await this.stores.metrics.get(tx, projectKey, key);
    if (metric === undefined) throw new NotFoundError(`Metric "${key}" not found in project "${projectKey}"`);
    return metric;
  }
}
