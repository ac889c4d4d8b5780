import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';
import { ProjectEnvPickers } from '../flags/project-env-pickers';
import { navigate, paths } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { Link } from '../ui/link';
import { usePolled } from '../ui/use-polled';
import { SegmentDetail } from './segment-detail';
import '../flags/targeting/targeting.css';
import '../environments/environments.css';

interface SegmentsPageProps {
  readonly project?: string;
  readonly env?: string;
  readonly segment?: string;
}

/** `/segments`: the first project's first environment, once the projects are known. */
export function SegmentsPage(props: SegmentsPageProps) {
  const { project, env } = props;
  const loadProjects = useCallback(() => api.projects.list(), []);
  const projects = usePolled('projects', loadProjects);
  const first = projects.data?.items[0];
  useEffect(() => {
    if ((project === undefined || env === undefined) && first !== undefined)
      navigate(paths.segments(first.key, first.environments[0]?.key ?? 'production'), { replace: true });
  }, [project, env, first]);
  if (project === undefined || env === undefined)
    return (
      <div className="page">
        <h1>Segments</h1>
        <ErrorMessage error={projects.error} title="Could not load the projects." />
        {projects.data !== undefined && first === undefined ? (
          <p className="empty-state">No projects yet.</p>
        ) : null}
      </div>
    );
  return <EnvironmentSegments {...props} project={project} env={env} />;
}

const keyPattern = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** Segments of one project and environment (`/{project}/{env}/segments[/{key}]`). */
function EnvironmentSegments({
  project: projectKey,
  env: envKey,
  segment: segmentKey,
}: SegmentsPageProps & { readonly project: string; readonly env: string }) {
  const loadProjects = useCallback(() => api.projects.list(), []);
  const loadSegments = useCallback(() => api.segments.list(projectKey, envKey), [projectKey, envKey]);
  const projects = usePolled('projects', loadProjects);
  const segments = usePolled(`segments:${projectKey}:${envKey}`, loadSegments);
  const project = projects.data?.items.find((p) => p.key === projectKey);
  const list = segments.data?.items ?? [];
  const segment = segmentKey === undefined ? undefined : list.find((s) => s.key === segmentKey);

  if (segmentKey !== undefined) {
    return (
      <div className="page">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to={paths.segments(projectKey, envKey)}>Segments</Link> <span aria-hidden="true">›</span>{' '}
          <span aria-current="page">{segment?.name ?? segmentKey}</span>
        </nav>
        <ErrorMessage error={segments.error} title="Could not load the segments." />
        {segment === undefined ? (
          segments.data === undefined ? (
            <p className="muted">Loading…</p>
          ) : (
            <p className="alert alert-error">There is no segment “{segmentKey}” here.</p>
          )
        ) : (
          <SegmentDetail
            key={segment.key}
            projectKey={projectKey}
            envKey={envKey}
            segment={segment}
            segments={list}
            onDeleted={() =>
              segments.update(
                (page) => page && { ...page, items: page.items.filter((x) => x.key !== segment.key) },
              )
            }
            onSaved={(saved) =>
              segments.update(
                (page) =>
                  page && { ...page, items: page.items.map((x) => (x.key === saved.key ? saved : x)) },
              )
            }
          />
        )}
      </div>
    );
  }

  return (
    <div className="page">
      <h1>Segments</h1>
      <p className="lead">Groups of contexts that flag rules target with “is in segment”.</p>
      {project === undefined || projects.data === undefined ? null : (
        <ProjectEnvPickers
          projects={projects.data.items}
          project={project}
          envKey={envKey}
          onChange={(p, e) => navigate(paths.segments(p, e))}
        />
      )}
      <ErrorMessage error={segments.error} title="Could not load the segments." />
      {segments.data !== undefined && list.length === 0 ? (
        <p className="empty-state">No segments here yet.</p>
      ) : null}
      {list.length === 0 ? null : (
        <ul className="card segment-list">
          {list.map((s) => (
            <li key={s.key}>
              <Link to={paths.segment(projectKey, envKey, s.key)}>{s.name}</Link>{' '}
              <code className="small">{s.key}</code>
              <span className="muted small">
                {' '}
                · {(s.included ?? []).length} included · {(s.rules ?? []).length} rules
              </span>
            </li>
          ))}
        </ul>
      )}
      <CreateSegment
        onCreate={async (key, name) => {
          await api.segments.create(projectKey, envKey, { key, name });
          navigate(paths.segment(projectKey, envKey, key));
          await segments.reload();
        }}
      />
    </div>
  );
}

function CreateSegment({ onCreate }: { readonly onCreate: (key: string, name: string) => Promise<void> }) {
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<unknown>();
  const keyError = keyPattern.test(key)
    ? undefined
    : 'A key: letters, digits, ".", "_" or "-", e.g. beta-testers.';
  const nameError = name.trim() === '' ? 'Give the segment a name.' : undefined;
  return (
    <form
      className="card"
      aria-labelledby="new-segment-heading"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setTried(true);
        if (keyError !== undefined || nameError !== undefined) return;
        onCreate(key, name.trim()).catch(setError);
      }}
    >
      <h2 id="new-segment-heading">Create a segment</h2>
      <div className="form-row">
        <Field label="Segment key" error={tried ? keyError : undefined}>
          {(control) => (
            <input {...control} className="input mono" value={key} onChange={(e) => setKey(e.target.value)} />
          )}
        </Field>
        <Field label="Segment name" error={tried ? nameError : undefined}>
          {(control) => (
            <input {...control} className="input" value={name} onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
      </div>
      <ErrorMessage error={error} title="Not created." />
      <div className="actions">
        <button type="submit" className="button button-primary">
          Create segment
        </button>
      </div>
    </form>
  );
}
