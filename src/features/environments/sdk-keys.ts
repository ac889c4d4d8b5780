import type { Actor } from '../audit/audit-model.js';
import type { ChangeInput } from '../audit/change-log.js';
import { resources, type TaggedKey } from '../audit/resource-path.js';
import { withoutSecrets } from '../audit/secret-redaction.js';
import { secretMask } from '../integrations/integration-model.js';

/** The two credentials of an environment: the server-side SDK key and the mobile key. */
interface WithSdkKeys {
  readonly apiKey: string;
  readonly mobileKey: string;
}

/**
 * Whether the actor may read an environment's SDK keys: LaunchDarkly's `viewSdkKey` on it.
 * Writers, admins and owners hold it through their `*`; readers do not (see built-in-roles.ts).
 */
export function maySeeSdkKeys(actor: Actor, project: TaggedKey, env: TaggedKey): boolean {
  return actor.can === undefined || actor.can('viewSdkKey', resources.environment(project, env));
}

export function withoutSdkKeys<T extends WithSdkKeys>(env: T): T {
  return { ...env, apiKey: secretMask, mobileKey: secretMask };
}

/** The environment as the actor may see it: its keys masked without `viewSdkKey`. */
export function environmentShownTo<T extends WithSdkKeys & TaggedKey>(
  actor: Actor,
  project: TaggedKey,
  env: T,
): T {
  return maySeeSdkKeys(actor, project, env) ? env : withoutSdkKeys(env);
}

/** A project with its embedded environments as the actor may see them. */
export function projectShownTo<
  P extends TaggedKey & { readonly environments: readonly (WithSdkKeys & TaggedKey)[] },
>(actor: Actor, project: P): P {
  return { ...project, environments: project.environments.map((e) => environmentShownTo(actor, project, e)) };
}

/** Masks `apiKey` and `mobileKey` wherever an environment sits in a recorded version. */
function maskKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskKeysDeep);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      (k === 'apiKey' || k === 'mobileKey') && typeof v === 'string' ? secretMask : maskKeysDeep(v),
    ]),
  );
}

/**
 * A change with no SDK key in it: audit entries (and so notifications and webhooks) are read by
 * many more people than may see the keys. The versions show the keys masked, as a reader sees
 * them; the values of `envs` are redacted anywhere else (a `test` op in the delta, a comment).
 */
export function withoutSdkKeysIn(change: ChangeInput, envs: readonly WithSdkKeys[]): ChangeInput {
  return withoutSecrets(
    {
      ...change,
      previousVersion: maskKeysDeep(change.previousVersion),
      currentVersion: maskKeysDeep(change.currentVersion),
    },
    { values: envs.flatMap((e) => [e.apiKey, e.mobileKey]), pointers: ['/apiKey', '/mobileKey'] },
  );
}
