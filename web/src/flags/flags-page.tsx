import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import type { Flag, Page, Project } from '../api-types';
import { navigate, paths } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { usePolled } from '../ui/use-polled';
import { CreateFlagForm } from './create-flag-form';
import { FlagListFilters } from './flag-list-filters';
import {
  type FlagListParams,
  type FlagListView,
  listViewParams,
  parseListView,
  serverFilter,
  shownEnvs,
  shownFlags,
} from './flag-list-view';
import { FlagTable } from './flag-table';
import { ToggleConfirmation, ToggleOutcome, useFlagToggles } from './flag-toggles';
import { ProjectPicker } from './project-env-pickers';
import './flags.css';

const replaceFlag = (page: Page<Flag> | undefined, flag: Flag): Page<Flag> | undefined =>
  page === undefined ? page : { ...page, items: page.items.map((f) => (f.key === flag.key ? flag : f)) };

/** The environments last shown side by side, per project, in this browser. */
const columnsKey = (projectKey: string) => `switchboard.flagColumns.${projectKey}`;
function rememberedColumns(projectKey: string): string[] | undefined {
  try {
    const saved: unknown = JSON.parse(window.localStorage.getItem(columnsKey(projectKey)) ?? 'null');
    return Array.isArray(saved) ? saved.filter((k): k is string => typeof k === 'string') : undefined;
  } catch {
    return undefined;
  }
}
function rememberColumns(projectKey: string, columns: readonly string[]): void {
  try {
    window.localStorage.setItem(columnsKey(projectKey), JSON.stringify(columns));
  } catch {
    // A browser that stores nothing still has the address.
  }
}

interface FlagsPageProps extends FlagListParams {
  readonly project?: string;
}

/** Flags of a project, their state in several environments side by side, filtered by tag and state. */
export function FlagsPage({ project: projectKey, ...params }: FlagsPageProps) {
  const loadProjects = useCallback(() => api.projects.list(), []);
  const projects = usePolled('projects', loadProjects);
  const items = projects.data?.items;
  const project: Project | undefined = items?.find((p) => p.key === projectKey) ?? items?.[0];

  return (
    <div className="page">
      <h1>Flags</h1>
      <ErrorMessage error={projects.error} title="Could not load the projects." />
      {items === undefined ? (
        projects.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : project === undefined || project.environments.length === 0 ? (
        <div className="empty-state">
          <p>No project yet. Create one with the API, for example:</p>
          <pre className="raw">
            {`curl -X POST /api/v2/projects -H 'Authorization: <token>' \\
  -H 'Content-Type: application/json' -d '{"key": "default", "name": "Default"}'`}
          </pre>
        </div>
      ) : (
        <FlagList key={project.key} projects={items} project={project} asked={projectKey} params={params} />
      )}
    </div>
  );
}

interface FlagListProps {
  readonly projects: readonly Project[];
  readonly project: Project;
  /** The project the address names (another, or none, until it is made to name this one). */
  readonly asked: string | undefined;
  readonly params: FlagListParams;
}

function FlagList({ projects, project, asked, params }: FlagListProps) {
  const view = parseListView(params);
  const columns = shownEnvs(
    project.environments.map((e) => e.key),
    view.envs,
    rememberedColumns(project.key),
  );
  const stateEnv = view.stateEnv ?? columns[0] ?? '';
  const address = (change: Partial<FlagListView>, projectKey = project.key) => {
    const next = listViewParams({ ...view, envs: columns, ...change });
    return paths.flags(projectKey, next.env, { tag: next.tag, state: next.state, q: next.q });
  };
  const change = (next: Partial<FlagListView>, options: { replace?: boolean } = {}) => {
    if (next.envs !== undefined) rememberColumns(project.key, next.envs);
    navigate(address(next), options);
  };
  // Make the address name what is shown, so it can be bookmarked and shared.
  const named = address({});
  useEffect(() => {
    if (asked !== project.key || params.env !== columns.join(',')) navigate(named, { replace: true });
  }, [asked, project.key, params.env, columns, named]);

  const wanted = [...new Set([...columns, stateEnv])].filter((k) => k !== '');
  const filter = serverFilter(view);
  const loadKey = `flags:${project.key}:${wanted.join(',')}:${filter ?? ''}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: loadKey says everything the load uses
  const load = useCallback(() => api.flags.list(project.key, { env: wanted, filter }), [loadKey]);
  const flags = usePolled(loadKey, load, 5000);
  const tags = useSeenTags(flags.data?.items);

  const [comment, setComment] = useState('');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string>();
  const toggles = useFlagToggles({
    projectKey: project.key,
    comment,
    onCommentUsed: () => setComment(''),
    onChanged: (updated) => flags.update((page) => replaceFlag(page, updated)),
  });
  const shown = flags.data === undefined ? undefined : shownFlags(flags.data.items, view);
  const filtered = view.q.trim() !== '' || view.tags.length > 0 || view.state !== 'live';
  const environments = columns.flatMap((key) => project.environments.filter((e) => e.key === key));

  return (
    <>
      <div className="toolbar">
        <div className="pickers">
          <ProjectPicker
            projects={projects}
            value={project.key}
            onChange={(key) => navigate(paths.flags(key))}
          />
        </div>
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
      <FlagListFilters
        project={project}
        view={view}
        columns={columns}
        stateEnv={stateEnv}
        tags={tags}
        onChange={change}
      />
      <div className="toolbar toolbar-secondary">
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
      <ToggleOutcome toggles={toggles} />
      <ErrorMessage error={flags.error} title="Could not load the flags." />
      {shown === undefined ? (
        flags.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : shown.length === 0 ? (
        <p className="empty-state">{filtered ? 'No flag matches.' : 'No flags in this project yet.'}</p>
      ) : (
        <FlagTable projectKey={project.key} flags={shown} columns={environments} toggles={toggles} />
      )}
      <ToggleConfirmation toggles={toggles} />
    </>
  );
}

/** Every tag seen on this list's flags since it opened: filtering by one keeps the others to choose. */
function useSeenTags(flags: readonly Flag[] | undefined): string[] {
  const [seen, setSeen] = useState<readonly string[]>([]);
  useEffect(() => {
    const found = (flags ?? []).flatMap((f) => f.tags);
    setSeen((s) => (found.every((t) => s.includes(t)) ? s : [...new Set([...s, ...found])].sort()));
  }, [flags]);
  return [...seen];
}
