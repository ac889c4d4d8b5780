import { createHash, randomUUID } from 'node:crypto';
import { prepareQuery } from '../../db/prepared-query.js';
import type { Executor, SdkKeyRow } from '../../db/schema.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { SdkEnvironment, SdkKeyKind } from '../sdk/sdk-credentials.js';

/** An environment's two current keys, in clear, as the API shows them to those with `viewSdkKey`. */
export interface SdkKeyPair {
  readonly apiKey: string;
  readonly mobileKey: string;
}

/** A key found by its hash: which environment it opens, and until when. */
export interface FoundSdkKey extends SdkEnvironment {
  readonly kind: SdkKeyKind;
  /** Undefined for a current key. */
  readonly expiresAt: number | undefined;
}

/**
 * Keys are long random strings (122 random bits), so one fast hash is as safe as a slow one:
 * nobody can guess a preimage, and SDK requests must not pay a password hash each.
 */
export function sdkKeyLookup(raw: string): string {
  return createHash('sha256').update(raw).digest('hex');
}

/** LaunchDarkly's forms: `sdk-<uuid>` for server-side SDKs, `mob-<uuid>` for mobile SDKs. */
export function newSdkKey(kind: SdkKeyKind): string {
  return `${kind === 'server' ? 'sdk' : 'mob'}-${randomUUID()}`;
}

/**
 * The sealed key is bound to its environment and kind, so a ciphertext copied onto another
 * environment's row does not open.
 */
function sealContext(environmentId: string, kind: SdkKeyKind): string {
  return `sdk-key:${environmentId}:${kind}`;
}

/**
 * SDK and mobile keys, one row each (see migrations/005-sdk-keys.ts). Every write takes the
 * caller's transaction, so a key is issued, rotated or deleted with its environment's change.
 */
export class SdkKeyStore {
  // Run on every SDK request that is not cached: built and compiled once.
  private readonly byLookup = prepareQuery((db, lookup: string) =>
    db
      .selectFrom('sdk_keys')
      .select(['environment_id', 'project_key', 'env_key', 'kind', 'expires_at'])
      .where('lookup', '=', lookup),
  );

  constructor(private readonly secrets: SecretBox) {}

  async find(db: Executor, raw: string): Promise<FoundSdkKey | undefined> {
    const row = await this.byLookup.first(db, sdkKeyLookup(raw));
    if (row === undefined) return undefined;
    return {
      projectKey: row.project_key,
      envKey: row.env_key,
      environmentId: row.environment_id,
      kind: row.kind,
      expiresAt: row.expires_at === null ? undefined : Number(row.expires_at),
    };
  }

  /** Stores `raw` (a new random key unless given) as the environment's current key of `kind`. */
  async issue(
    db: Executor,
    env: SdkEnvironment,
    kind: SdkKeyKind,
    now: number,
    raw: string = newSdkKey(kind),
  ): Promise<string> {
    await db
      .insertInto('sdk_keys')
      .values(this.row(env, kind, raw, now))
      // Two nodes adopting the same legacy key at start-up: the second changes nothing.
      .onConflict((oc) => oc.column('lookup').doNothing())
      .execute();
    return raw;
  }

  /** Both current keys of a new environment. */
  async issueBoth(db: Executor, env: SdkEnvironment, now: number): Promise<SdkKeyPair> {
    return {
      apiKey: await this.issue(db, env, 'server', now),
      mobileKey: await this.issue(db, env, 'mobile', now),
    };
  }

  /**
   * A new current key of `kind`. The old one keeps working until `oldExpiresAt` when that is
   * later than `now`, and is deleted at once otherwise; keys whose grace has run out go too.
   * The caller serializes rotations of one environment (its document's compare-and-set).
   */
  async rotate(
    db: Executor,
    env: SdkEnvironment,
    kind: SdkKeyKind,
    now: number,
    oldExpiresAt: number | undefined,
  ): Promise<string> {
    await db
      .deleteFrom('sdk_keys')
      .where('environment_id', '=', env.environmentId)
      .where('expires_at', '<=', now)
      .execute();
    const current = db
      .updateTable('sdk_keys')
      .where('environment_id', '=', env.environmentId)
      .where('kind', '=', kind)
      .where('expires_at', 'is', null);
    if (oldExpiresAt !== undefined && oldExpiresAt > now) {
      await current.set({ expires_at: oldExpiresAt }).execute();
    } else {
      await db
        .deleteFrom('sdk_keys')
        .where('environment_id', '=', env.environmentId)
        .where('kind', '=', kind)
        .where('expires_at', 'is', null)
        .execute();
    }
    return this.issue(db, env, kind, now);
  }

  /**
   * The current keys of the given environments, opened. One query, whatever the number of
   * environments (`undefined` = all of them, for the project list).
   */
  async current(db: Executor, environmentIds?: readonly string[]): Promise<Map<string, SdkKeyPair>> {
    if (environmentIds !== undefined && environmentIds.length === 0) return new Map();
    let query = db
      .selectFrom('sdk_keys')
      .select(['environment_id', 'kind', 'sealed'])
      .where('expires_at', 'is', null);
    if (environmentIds !== undefined) query = query.where('environment_id', 'in', environmentIds);
    const pairs = new Map<string, { apiKey: string; mobileKey: string }>();
    for (const row of await query.execute()) {
      const pair = pairs.get(row.environment_id) ?? { apiKey: '', mobileKey: '' };
      const raw = this.secrets.open(row.sealed, sealContext(row.environment_id, row.kind));
      if (row.kind === 'server') pair.apiKey = raw;
      else pair.mobileKey = raw;
      pairs.set(row.environment_id, pair);
    }
    return pairs;
  }

  /** Which environments lack a current key of some kind (a start-up check). */
  async missing(db: Executor, environmentIds: readonly string[]): Promise<Map<string, SdkKeyKind[]>> {
    let query = db.selectFrom('sdk_keys').select(['environment_id', 'kind']).where('expires_at', 'is', null);
    // A few environments by id; for many, every current row beats a huge IN list.
    if (environmentIds.length <= 100) query = query.where('environment_id', 'in', environmentIds);
    if (environmentIds.length === 0) return new Map();
    const have = await query.execute();
    const present = new Set(have.map((r) => `${r.environment_id}:${r.kind}`));
    const missing = new Map<string, SdkKeyKind[]>();
    for (const id of environmentIds) {
      const kinds = (['server', 'mobile'] as const).filter((k) => !present.has(`${id}:${k}`));
      if (kinds.length > 0) missing.set(id, kinds);
    }
    return missing;
  }

  async deleteForEnvironment(db: Executor, environmentId: string): Promise<void> {
    await db.deleteFrom('sdk_keys').where('environment_id', '=', environmentId).execute();
  }

  async deleteForProject(db: Executor, projectKey: string): Promise<void> {
    await db.deleteFrom('sdk_keys').where('project_key', '=', projectKey).execute();
  }

  private row(env: SdkEnvironment, kind: SdkKeyKind, raw: string, now: number): SdkKeyRow {
    return {
      lookup: sdkKeyLookup(raw),
      environment_id: env.environmentId,
      project_key: env.projectKey,
      env_key: env.envKey,
      kind,
      sealed: this.secrets.seal(raw, sealContext(env.environmentId, kind)),
      created_at: now,
      expires_at: null,
    };
  }
}
