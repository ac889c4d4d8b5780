import type { AuditRecord } from '../audit/audit-model.js';

/**
 * What the SDK data plane needs to hear about a committed change: which environment, and which
 * flag or segment in it, to read again. `environment` and `project` changes (deleted, keys
 * rotated) make it check that the environment still exists. Ids and versions only: each node
 * reads the changed document itself, so a notification stays far below PostgreSQL's 8 KB limit.
 */
export type SdkChangeKind = 'flag' | 'segment' | 'environment' | 'project';

export interface SdkChange {
  readonly projectKey: string;
  /** Empty for a project-wide change. */
  readonly envKey: string;
  readonly kind: SdkChangeKind;
  readonly key: string;
  /** The version the change wrote when it is known (0 otherwise): for logs, never trusted. */
  readonly version: number;
}

const kinds: ReadonlySet<string> = new Set<SdkChangeKind>(['flag', 'segment', 'environment', 'project']);

function versionOf(record: AuditRecord, kind: SdkChangeKind, envKey: string): number {
  const current = record.currentVersion as
    | { _version?: unknown; environments?: Record<string, { version?: unknown }> }
    | undefined;
  const version = kind === 'flag' ? current?.environments?.[envKey]?.version : current?._version;
  return typeof version === 'number' ? version : 0;
}

/**
 * The SDK-visible changes an audit record describes, read from its accesses: a flag-wide change
 * has one access per environment of the project, a segment change one for its environment.
 */
export function sdkChangesOf(record: AuditRecord): SdkChange[] {
  const found = new Map<string, SdkChange>();
  for (const access of record.taggedAccesses) {
    const [project, env, item] = access.resource;
    if (project?.type !== 'proj') continue;
    let change: Omit<SdkChange, 'version'> | undefined;
    if (env === undefined)
      change = { projectKey: project.key, envKey: '', kind: 'project', key: project.key };
    else if (env.type !== 'env') continue;
    else if (item === undefined)
      change = { projectKey: project.key, envKey: env.key, kind: 'environment', key: env.key };
    else if ((item.type === 'flag' || item.type === 'segment') && access.resource.length === 3)
      change = { projectKey: project.key, envKey: env.key, kind: item.type, key: item.key };
    if (change === undefined) continue;
    const id = `${change.projectKey}\0${change.envKey}\0${change.kind}\0${change.key}`;
    if (!found.has(id)) found.set(id, { ...change, version: versionOf(record, change.kind, change.envKey) });
  }
  return [...found.values()];
}

/** A change as a NOTIFY payload, with the node that made it (which heard it in memory already). */
export function encodeSdkChange(node: string, change: SdkChange): string {
  return JSON.stringify([node, change.projectKey, change.envKey, change.kind, change.key, change.version]);
}

/** The node and change of a payload, or undefined for anything else (never trusted blindly). */
export function decodeSdkChange(payload: string): { node: string; change: SdkChange } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 6) return undefined;
  const [node, projectKey, envKey, kind, key, version] = parsed as unknown[];
  if (
    typeof node !== 'string' ||
    typeof projectKey !== 'string' ||
    typeof envKey !== 'string' ||
    typeof kind !== 'string' ||
    !kinds.has(kind) ||
    typeof key !== 'string' ||
    typeof version !== 'number'
  )
    return undefined;
  return { node, change: { projectKey, envKey, kind: kind as SdkChangeKind, key, version } };
}
