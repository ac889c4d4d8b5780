import { ConflictError, ValidationError } from '../../errors/app-errors.js';
import type { FlagDoc, FlagEnvironmentDoc } from './flag-model.js';

/**
 * The parts of a flag's configuration that `POST /flags/{p}/{key}/copy` copies between two
 * environments, named by the action LaunchDarkly uses for editing each (its `includedActions` /
 * `excludedActions`). Switchboard has no migration flags, so `updateFlagConfigMigrationSettings`
 * is accepted and copies nothing.
 */
export const copyActions = [
  'updateOn',
  'updateRules',
  'updateFallthrough',
  'updateOffVariation',
  'updatePrerequisites',
  'updateTargets',
  'updateFlagConfigMigrationSettings',
] as const;
export type CopyAction = (typeof copyActions)[number];

const fieldsOf: Record<CopyAction, readonly (keyof FlagEnvironmentDoc)[]> = {
  updateOn: ['on'],
  updateRules: ['rules'],
  updateFallthrough: ['fallthrough'],
  updateOffVariation: ['offVariation'],
  updatePrerequisites: ['prerequisites'],
  updateTargets: ['targets'],
  updateFlagConfigMigrationSettings: [],
};

/**
 * Event tracking has no action of its own in LaunchDarkly's list: it travels with a copy of
 * the whole configuration (neither list given, or only `excludedActions`), not with a chosen part.
 */
const trackingFields: readonly (keyof FlagEnvironmentDoc)[] = ['trackEvents', 'trackEventsFallthrough'];

export interface CopyEnd {
  readonly key: string;
  readonly currentVersion?: number | undefined;
}

export interface CopyRequest {
  readonly source: CopyEnd;
  readonly target: CopyEnd;
  readonly comment?: string | undefined;
  readonly includedActions?: readonly CopyAction[] | undefined;
  readonly excludedActions?: readonly CopyAction[] | undefined;
}

/** The fields to copy, checking the request's shape first (a 400 names the field). */
export function copiedFields(request: CopyRequest): (keyof FlagEnvironmentDoc)[] {
  const { includedActions, excludedActions } = request;
  if (includedActions !== undefined && excludedActions !== undefined) {
    throw ValidationError.at('/excludedActions', 'give includedActions or excludedActions, not both');
  }
  if (request.source.key === request.target.key) {
    throw ValidationError.at('/target/key', 'must be another environment than the source');
  }
  const chosen =
    includedActions !== undefined
      ? copyActions.filter((a) => includedActions.includes(a))
      : copyActions.filter((a) => !(excludedActions ?? []).includes(a));
  return [...chosen.flatMap((a) => fieldsOf[a]), ...(includedActions === undefined ? trackingFields : [])];
}

/** The environment's configuration, or a 400 naming the body field that named it. */
function environment(doc: FlagDoc, end: CopyEnd, pointer: string): FlagEnvironmentDoc {
  const config = doc.environments[end.key];
  if (config === undefined) throw ValidationError.at(`${pointer}/key`, `unknown environment "${end.key}"`);
  // LaunchDarkly's optimistic lock: the flag's version in that environment, as SDKs see it.
  if (end.currentVersion !== undefined && end.currentVersion !== config.version) {
    throw new ConflictError(
      `The flag's version in environment "${end.key}" is ${config.version}, not ${end.currentVersion}`,
    );
  }
  return config;
}

/**
 * The flag with the chosen parts of the source environment's configuration in the target
 * environment. The target keeps what the server owns there (its salt, version, last change):
 * the version is raised by the caller when something changed.
 */
export function copyFlagConfig(doc: FlagDoc, request: CopyRequest): FlagDoc {
  const fields = copiedFields(request);
  const source = environment(doc, request.source, '/source');
  const target = environment(doc, request.target, '/target');
  const copied: FlagEnvironmentDoc = { ...target };
  for (const field of fields) Object.assign(copied, { [field]: structuredClone(source[field]) });
  return { ...doc, environments: { ...doc.environments, [request.target.key]: copied } };
}
