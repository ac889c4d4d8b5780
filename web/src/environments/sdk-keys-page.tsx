import { api } from '../api';
import type { Environment, Page, Project } from '../api-types';
import { ProjectPicker } from '../flags/project-env-pickers';
import { navigate, paths } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { usePolled } from '../ui/use-polled';
import { ConnectSdk } from './connect-sdk';
import { EnvironmentKeys } from './environment-keys';

interface SdkKeysPageProps {
  /** Absent: the first project. */
  readonly project?: string;
  /** Opened from a link to one environment (an audit entry's): scrolled to it. */
  readonly env?: string;
}

const withEnvironment = (page: Page<Project> | undefined, projectKey: string, env: Environment) =>
  page === undefined
    ? page
    : {
        ...page,
        items: page.items.map((p) =>
          p.key === projectKey
            ? { ...p, environments: p.environments.map((e) => (e.key === env.key ? env : e)) }
            : p,
        ),
      };

/** Each environment's SDK credentials, per project, and how to connect an SDK. */
export function SdkKeysPage({ project: projectKey, env: envKey }: SdkKeysPageProps) {
  const projects = usePolled('projects', api.projects.list);
  const items = projects.data?.items ?? [];
  const project =
    items.find((p) => p.key === projectKey) ?? (projectKey === undefined ? items[0] : undefined);
  return (
    <div className="page">
      <h1>SDK keys</h1>
      <p className="lead">
        An application reads its environment’s flags with that environment’s key. Copy a key into its
        configuration; rotate it if it leaked, with a grace period if running services need time to move.
      </p>
      <ErrorMessage error={projects.error} title="Could not load the projects." />
      {projects.data === undefined ? (
        projects.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : project === undefined ? (
        <p className="empty-state">
          {projectKey === undefined
            ? 'No project yet.'
            : `No project “${projectKey}”, or you may not see it.`}
        </p>
      ) : (
        <>
          {items.length > 1 ? (
            <div className="pickers">
              <ProjectPicker
                projects={items}
                value={project.key}
                onChange={(key) => navigate(paths.sdkKeys(key))}
              />
            </div>
          ) : null}
          {project.environments.map((env) => (
            <EnvironmentKeys
              key={env.key}
              projectKey={project.key}
              env={env}
              focused={env.key === envKey}
              onChanged={(updated) => projects.update((page) => withEnvironment(page, project.key, updated))}
            />
          ))}
          <ConnectSdk base={window.location.origin} />
        </>
      )}
    </div>
  );
}
