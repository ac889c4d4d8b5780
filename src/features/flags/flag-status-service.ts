import type { Kysely } from 'kysely';
import type { StoredDocument } from '../../db/document-store.js';
import type { Database } from '../../db/schema.js';
import { NotFoundError } from '../../errors/app-errors.js';
import type { Clock } from '../../shared/ids.js';
import type { FlagEvaluationStore } from '../sdk/sdk-events-store.js';
import type { EnvironmentStore, FlagStore, ProjectStore } from '../stores.js';
import type { FlagDoc } from './flag-model.js';
import { type FlagStatusName, flagStatus } from './flag-status.js';

interface Link {
  readonly href: string;
  readonly type: string;
}

export interface FlagStatusView {
  readonly name: FlagStatusName;
  /** ISO 8601, as LaunchDarkly answers it; absent when no SDK has reported an evaluation. */
  readonly lastRequested?: string;
}

export interface FlagStatusItem extends FlagStatusView {
  readonly _links: { parent: Link; self: Link };
}

export interface FlagStatusAcrossEnvironments {
  readonly key: string;
  readonly environments: Record<string, FlagStatusView>;
  readonly _links: { parent: Link; self: Link };
}

const json = (href: string): Link => ({ href, type: 'application/json' });

export interface FlagStatusesOptions {
  readonly db: Kysely<Database>;
  readonly stores: {
    readonly environments: EnvironmentStore;
    readonly flags: FlagStore;
    readonly projects: ProjectStore;
  };
  readonly evaluations: FlagEvaluationStore;
  readonly clock: Clock;
}

/**
 * Flag statuses (see flag-status.ts) from what SDK analytics events left behind: the last
 * evaluation of each flag per environment (migration 006), read in one query per environment.
 */
export class FlagStatuses {
  private readonly db: Kysely<Database>;
  private readonly stores: FlagStatusesOptions['stores'];
  private readonly evaluations: FlagEvaluationStore;
  private readonly clock: Clock;

  constructor(options: FlagStatusesOptions) {
    this.db = options.db;
    this.stores = options.stores;
    this.evaluations = options.evaluations;
    this.clock = options.clock;
  }

  /** Every flag of the project (archived ones left out, as in the flag list) in one environment. */
  async list(
    projectKey: string,
    envKey: string,
  ): Promise<{ items: FlagStatusItem[]; _links: { self: Link } }> {
    await this.stores.projects.getOrThrow(this.db, '', projectKey);
    await this.environment(projectKey, envKey);
    const flags = (await this.stores.flags.list(this.db, projectKey)).filter((f) => !f.doc.archived);
    const last = await this.evaluations.lastEvaluatedIn(this.db, { projectKey, envKey });
    const now = this.clock();
    return {
      items: flags.map((f) => this.item(projectKey, envKey, f, last.get(f.key), now)),
      _links: { self: json(`/api/v2/flag-statuses/${projectKey}/${envKey}`) },
    };
  }

  async get(projectKey: string, envKey: string, flagKey: string): Promise<FlagStatusItem> {
    await this.stores.projects.getOrThrow(this.db, '', projectKey);
    await this.environment(projectKey, envKey);
    const flag = await this.flag(projectKey, flagKey);
    const last = await this.evaluations.lastEvaluated(this.db, { projectKey, envKey }, flagKey);
    return this.item(projectKey, envKey, flag, last, this.clock());
  }

  /** The flag's status in every environment of the project, or in those `only` names. */
  async acrossEnvironments(
    projectKey: string,
    flagKey: string,
    only?: readonly string[],
  ): Promise<FlagStatusAcrossEnvironments> {
    await this.stores.projects.getOrThrow(this.db, '', projectKey);
    const flag = await this.flag(projectKey, flagKey);
    const envs = await this.stores.environments.list(this.db, projectKey);
    const now = this.clock();
    const environments: Record<string, FlagStatusView> = {};
    for (const env of envs) {
      if (only !== undefined && !only.includes(env.key)) continue;
      const last = await this.evaluations.lastEvaluated(this.db, { projectKey, envKey: env.key }, flagKey);
      const view = this.view(flag.doc, env.key, last, now);
      if (view !== undefined) environments[env.key] = view;
    }
    return {
      key: flagKey,
      environments,
      _links: {
        parent: json(`/api/v2/flags/${projectKey}/${flagKey}`),
        self: json(`/api/v2/flag-status/${projectKey}/${flagKey}`),
      },
    };
  }

  private item(
    projectKey: string,
    envKey: string,
    flag: StoredDocument<FlagDoc>,
    last: number | undefined,
    now: number,
  ): FlagStatusItem {
    const view = this.view(flag.doc, envKey, last, now);
    // Every flag has a configuration in every environment of its project.
    if (view === undefined) throw new NotFoundError(`Flag "${flag.key}" has no configuration in "${envKey}"`);
    return {
      ...view,
      _links: {
        parent: json(`/api/v2/flag-statuses/${projectKey}/${envKey}`),
        self: json(`/api/v2/flag-statuses/${projectKey}/${envKey}/${flag.key}`),
      },
    };
  }

  private view(
    doc: FlagDoc,
    envKey: string,
    last: number | undefined,
    now: number,
  ): FlagStatusView | undefined {
    const config = doc.environments[envKey];
    if (config === undefined) return undefined;
    const name = flagStatus({ creationDate: doc.creationDate, config, lastRequested: last, now });
    return last === undefined ? { name } : { name, lastRequested: new Date(last).toISOString() };
  }

  private async environment(projectKey: string, envKey: string): Promise<void> {
    await this.stores.environments.getOrThrow(this.db, projectKey, envKey);
  }

  private async flag(projectKey: string, flagKey: string): Promise<StoredDocument<FlagDoc>> {
    const flag = await this.stores.flags.get(this.db, projectKey, flagKey);
    if (flag === undefined) throw new NotFoundError(`Flag "${flagKey}" not found in project "${projectKey}"`);
    return flag;
  }
}
