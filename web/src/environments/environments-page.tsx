import { useCallback, useState } from 'react';
import { api } from '../api';
import { ProjectPicker } from '../flags/project-env-pickers';
import { navigate, paths } from '../router';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { usePolled } from '../ui/use-polled';
import { EnvironmentEditor } from './environment-editor';
import './environments.css';

const keyPattern = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** The environments of a project (`/environments?project=…`): create, edit, delete. */
export function EnvironmentsPage({ project: projectParam }: { readonly project?: string }) {
  const loadProjects = useCallback(() => api.projects.list(), []);
  const projects = usePolled('projects', loadProjects);
  const list = projects.data?.items ?? [];
  const project = list.find((p) => p.key === projectParam) ?? list[0];

  return (
    <div className="page">
      <h1>Environments</h1>
      <p className="lead">Each project's flags are targeted separately in each of its environments.</p>
      <ErrorMessage error={projects.error} title="Could not load the projects." />
      {project === undefined ? null : (
        <>
          <ProjectPicker
            projects={list}
            value={project.key}
            onChange={(key) => navigate(paths.environments(key))}
          />
          <div className="env-grid">
            {project.environments.map((env) => (
              <EnvironmentEditor
                key={`${project.key}:${env.key}:${env._version ?? ''}`}
                projectKey={project.key}
                env={env}
                onSaved={() => void projects.reload()}
                onDeleted={() => void projects.reload()}
              />
            ))}
          </div>
          <CreateEnvironment projectKey={project.key} onCreated={() => void projects.reload()} />
        </>
      )}
    </div>
  );
}

function CreateEnvironment({
  projectKey,
  onCreated,
}: {
  readonly projectKey: string;
  readonly onCreated: () => void;
}) {
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [color, setColor] = useState('#417505');
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<unknown>();
  const keyError = keyPattern.test(key)
    ? undefined
    : 'A key: letters, digits, ".", "_" or "-", e.g. staging.';
  const nameError = name.trim() === '' ? 'Give the environment a name.' : undefined;
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setTried(true);
    setError(undefined);
    if (keyError !== undefined || nameError !== undefined) return;
    try {
      await api.environments.create(projectKey, { key, name: name.trim(), color: color.slice(1) });
      setKey('');
      setName('');
      setTried(false);
      onCreated();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="new-env-heading">
      <h2 id="new-env-heading">Create an environment</h2>
      <div className="form-row">
        <Field label="Key" error={tried ? keyError : undefined}>
          {(control) => (
            <input {...control} className="input mono" value={key} onChange={(e) => setKey(e.target.value)} />
          )}
        </Field>
        <Field label="Environment name" error={tried ? nameError : undefined}>
          {(control) => (
            <input {...control} className="input" value={name} onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
        <Field label="Colour">
          {(control) => (
            <input
              {...control}
              className="input color-input"
              type="color"
              value={color}
              onChange={(e) => setColor(e.target.value)}
            />
          )}
        </Field>
      </div>
      <ErrorMessage error={error} title="Not created." />
      <div className="actions">
        <button type="submit" className="button button-primary">
          Create environment
        </button>
      </div>
    </form>
  );
}
