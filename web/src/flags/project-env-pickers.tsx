import type { Project } from '../api-types';
import { Field } from '../ui/field';

interface ProjectEnvPickersProps {
  readonly projects: readonly Project[];
  readonly project: Project;
  readonly envKey: string;
  readonly onChange: (projectKey: string, envKey: string) => void;
}

/** Which project's flags, switched in which environment. */
export function ProjectEnvPickers({ projects, project, envKey, onChange }: ProjectEnvPickersProps) {
  const env = project.environments.find((e) => e.key === envKey);
  return (
    <div className="pickers">
      <ProjectPicker
        projects={projects}
        value={project.key}
        onChange={(key) => onChange(key, projects.find((p) => p.key === key)?.environments[0]?.key ?? '')}
      />
      <Field label="Environment" className="picker">
        {(control) => (
          <span className="env-select">
            <span
              className="env-dot"
              style={{ background: `#${env?.color ?? '999999'}` }}
              aria-hidden="true"
            />
            <select
              {...control}
              className="input"
              value={envKey}
              onChange={(e) => onChange(project.key, e.target.value)}
            >
              {project.environments.map((e) => (
                <option key={e.key} value={e.key}>
                  {e.name}
                </option>
              ))}
            </select>
          </span>
        )}
      </Field>
    </div>
  );
}

/** Which project: the picker every per-project page shares. */
export function ProjectPicker(props: {
  readonly projects: readonly Project[];
  readonly value: string;
  readonly onChange: (projectKey: string) => void;
}) {
  return (
    <Field label="Project" className="picker">
      {(control) => (
        <select
          {...control}
          className="input"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        >
          {props.projects.map((p) => (
            <option key={p.key} value={p.key}>
              {p.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
