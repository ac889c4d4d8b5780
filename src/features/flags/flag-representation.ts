import type { StoredDocument } from '../../db/document-store.js';
import type { EnvironmentDoc } from '../environments/environment-model.js';
import type { Flag, FlagDoc, FlagEnvironment } from './flag-model.js';
import { configSelector, noExperiments } from './flag-model-fields.js';

/** The flag's page in the UI, in one environment or (without one) across them. */
export function flagSitePath(projectKey: string, envKey: string | undefined, flagKey: string): string {
  return envKey === undefined
    ? `/${projectKey}/features/${flagKey}`
    : `/${projectKey}/${envKey}/features/${flagKey}`;
}

/** A flag as the API shows it (LaunchDarkly's FeatureFlag); `only` keeps those environments. */
export function flagRepresentation(
  projectKey: string,
  stored: StoredDocument<FlagDoc>,
  envs: readonly StoredDocument<EnvironmentDoc>[],
  only?: readonly string[],
): Flag {
  const environments: Record<string, FlagEnvironment> = {};
  for (const env of envs) {
    const config = stored.doc.environments[env.key];
    if (config === undefined || (only !== undefined && !only.includes(env.key))) continue;
    environments[env.key] = {
      ...config,
      archived: stored.doc.archived,
      sel: configSelector(config),
      _environmentName: env.doc.name,
      _site: { href: flagSitePath(projectKey, env.key, stored.key), type: 'text/html' },
    };
  }
  return {
    key: stored.key,
    _version: stored.version,
    _links: {
      self: { href: `/api/v2/flags/${projectKey}/${stored.key}`, type: 'application/json' },
      parent: { href: `/api/v2/flags/${projectKey}`, type: 'application/json' },
    },
    ...stored.doc,
    environments,
    experiments: noExperiments(),
  };
}
