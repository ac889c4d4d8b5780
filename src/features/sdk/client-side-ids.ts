import type { Kysely } from 'kysely';
import { prepareQuery } from '../../db/prepared-query.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../shared/ids.js';
import type { SdkEnvironment } from './sdk-credentials.js';

interface Cached {
  readonly env: SdkEnvironment;
  readonly until: number;
  readonly generation: number;
}

/**
 * Which environment a client-side ID (the environment's `_id`, in browser SDK paths) names. It is
 * not a secret: LaunchDarkly ships it in web pages. Found through the environment's SDK key rows,
 * which carry its id, project and key and are indexed by `(environment_id, kind)`, so a lookup is
 * one index probe; the keys are deleted with their environment, so a deleted one is not found.
 *
 * Cached like SDK keys (see sdk-keys.ts), for the same reason: browsers poll `evalx` per page
 * view. Only ids that exist are cached, so a flood of made-up ids cannot fill it.
 */
export class ClientSideIds {
  private readonly byId = prepareQuery((db, id: string) =>
    db
      .selectFrom('sdk_keys')
      .select(['environment_id', 'project_key', 'env_key'])
      .where('environment_id', '=', id)
      .where('kind', '=', 'server'),
  );
  private readonly cache = new Map<string, Cached>();
  private generation = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly cacheMs = 1_000,
    private readonly cacheSize = 10_000,
  ) {}

  async resolve(clientSideId: string): Promise<SdkEnvironment | undefined> {
    const now = this.clock();
    const cached = this.cache.get(clientSideId);
    if (cached !== undefined && cached.generation === this.generation && now < cached.until)
      return cached.env;
    const generation = this.generation;
    const row = await this.byId.first(this.db, clientSideId);
    if (row === undefined) return undefined;
    const env = { projectKey: row.project_key, envKey: row.env_key, environmentId: row.environment_id };
    if (generation === this.generation && this.cacheMs > 0) {
      if (this.cache.size >= this.cacheSize) this.cache.clear();
      this.cache.set(clientSideId, { env, until: now + this.cacheMs, generation });
    }
    return env;
  }

  /** Drops every cached answer: called after each committed change (an environment deleted). */
  forget(): void {
    this.generation++;
    this.cache.clear();
  }
}
