import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import type { Flag, Page, Project } from '../api-types';
import { navigate, paths } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { Link } from '../ui/link';
import { usePolled } from '../ui/use-polled';
import { CreateFlagForm } from './create-flag-form';
import { FlagSwitch } from './flag-switch';
import { ProjectEnvPickers } from './project-env-pickers';
import { servingText } from './variation-text';

const replaceFlag = (page: Page<Flag> | undefined, flag: Flag): Page<Flag> | undefined =>
  page === undefined ? page : { ...page, items: page.items.map((f) => (f.key === flag.key ? flag : f)) };

/** Flags of a project with their on/off switch in the chosen environment. */
export function FlagsPage({
  project: projectKey,
  env: envKey,
}: {
  readonly project?: string;
  readonly env?: string;
}) {
  const loadProjects = useCallback(() => api.projects.list(), []);
  const projects = usePolled('projects', loadProjects);
  const items = projects.data?.items;
  const project: Project | undefined = items?.find((p) => p.key === projectKey) ?? items?.[0];
  const env = project?.environments.find((e) => e.key === envKey) ?? project?.environments[0];

  // Make the address name what is shown, so it can be bookmarked and shared.
  useEffect(() => {
    if (project !== undefined && env !== undefined && (project.key !== projectKey || env.key !== envKey)) {
      navigate(paths.flags(project.key, env.key), { replace: true });
    }
  }, [project, env, projectKey, envKey]);

  return (
    <div className="page">
      <h1>Flags</h1>
      <ErrorMessage error={projects.error} title="Could not load the projects." />
      {items === undefined ? (
        projects.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : project === undefined || env === undefined ? (
        <div className="empty-state">
          <p>No project yet. Create one with the API, for example:</p>
          <pre className="raw">
            {`curl -X POST /api/v2/projects -H 'Authorization: <token>' \\
  -H 'Content-Type: application/json' -d '{"key": "default", "name": "Default"}'`}
          </pre>
        </div>
      ) : (
        <FlagList projects={items} project={project} envKey={env.key} envName={env.name} />
      )}
    </div>
  );
}

interface FlagListProps {
  readonly projects: readonly Project[];
  readonly project: Project;
  readonly envKey: string;
  readonly envName: string;
}

function FlagList({ projects, project, envKey, envName }: FlagListProps) {
  const load = useCallback(() => api.flags.list(project.key, envKey), [project.key, envKey]);
  const flags = usePolled(`flags:${project.key}:${envKey}`, load, 5000);
  const [comment, setComment] = useState('');
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string>();
  const needle = filter.trim().toLowerCase();
  const shown = flags.data?.items.filter(
    (f) => needle === '' || f.name.toLowerCase().includes(needle) || f.key.toLowerCase().includes(needle),
  );

  return (
    <>
      <div className="toolbar">
        <ProjectEnvPickers
          projects={projects}
          project={project}
          envKey={envKey}
          onChange={(p, e) => navigate(paths.flags(p, e))}
        />
        <button
          type="button"
          className="button button-primary"
          onClick={() => setCreating(true)}
          disabled={creating}
        >
          Create flag
        </button>
      </div>
      {creating ? (
        <CreateFlagForm
          projectKey={project.key}
          onCancel={() => setCreating(false)}
          onCreated={(flag) => {
            setCreating(false);
            setCreated(flag.name);
            void flags.reload();
          }}
        />
      ) : null}
      {created === undefined ? null : (
        <p className="alert alert-success" role="status">
          Created the flag {created}. It is off in every environment.
        </p>
      )}
      <div className="toolbar toolbar-secondary">
        <Field label="Find" className="grow">
          {(control) => (
            <input
              {...control}
              className="input"
              type="search"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              placeholder="Name or key"
            />
          )}
        </Field>
        <Field label="Comment for your next change" className="grow">
          {(control) => (
            <input
              {...control}
              className="input"
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              placeholder="Why? Shown in the audit log and the room"
              maxLength={1000}
            />
          )}
        </Field>
      </div>
      <ErrorMessage error={flags.error} title="Could not load the flags." />
      {shown === undefined ? (
        flags.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : shown.length === 0 ? (
        <p className="empty-state">{needle === '' ? 'No flags in this project yet.' : 'No flag matches.'}</p>
      ) : (
        <ul className="flag-list" aria-label={`Flags in ${envName}`}>
          {shown.map((flag) => {
            const settings = flag.environments[envKey];
            return (
              <li key={flag.key} className="flag-row">
                <div className="flag-main">
                  <Link className="flag-name" to={paths.flag(project.key, envKey, flag.key)}>
                    {flag.name}
                  </Link>
                  <code className="flag-key">{flag.key}</code>
                  {flag.tags.map((tag) => (
                    <span key={tag} className="tag">
                      {tag}
                    </span>
                  ))}
                  {flag.description === '' ? null : <p className="muted small">{flag.description}</p>}
                </div>
                <div className="flag-serving muted small">
                  {settings === undefined
                    ? null
                    : `Serving ${settings.on ? servingText(flag, settings.fallthrough) : servingText(flag, { variation: settings.offVariation })}`}
                </div>
                <FlagSwitch
                  projectKey={project.key}
                  envKey={envKey}
                  envName={envName}
                  flag={flag}
                  comment={comment}
                  onCommentUsed={() => setComment('')}
                  onChanged={(updated) => flags.update((page) => replaceFlag(page, updated))}
                />
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
