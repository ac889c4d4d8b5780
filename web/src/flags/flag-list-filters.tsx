import type { Project } from '../api-types';
import { Field } from '../ui/field';
import type { FlagListView } from './flag-list-view';

interface FlagListFiltersProps {
  readonly project: Project;
  readonly view: FlagListView;
  /** The environments shown (never none). */
  readonly columns: readonly string[];
  /** The environment the on/off filter looks at. */
  readonly stateEnv: string;
  /** The tags to choose from: every tag seen in this project's list so far. */
  readonly tags: readonly string[];
  readonly onChange: (change: Partial<FlagListView>, options?: { replace?: boolean }) => void;
}

/** Which environments side by side, and which flags: by name or key, tag, and state. */
export function FlagListFilters({ project, view, columns, stateEnv, tags, onChange }: FlagListFiltersProps) {
  const tagValue = view.tags.join(',');
  const tagOptions = tagValue === '' || tags.includes(tagValue) ? tags : [...tags, tagValue];
  return (
    <div className="flag-filters">
      <fieldset className="flag-columns">
        <legend>Environments shown</legend>
        {project.environments.map((env) => {
          const shown = columns.includes(env.key);
          return (
            <label key={env.key} className="checkbox">
              <input
                type="checkbox"
                checked={shown}
                // The last one stays: a list without environments has no switches.
                disabled={shown && columns.length === 1}
                onChange={() =>
                  onChange({
                    envs: shown ? columns.filter((k) => k !== env.key) : [...columns, env.key],
                  })
                }
              />{' '}
              {env.name}
            </label>
          );
        })}
      </fieldset>
      <div className="toolbar toolbar-secondary">
        <Field label="Find" className="grow">
          {(control) => (
            <input
              {...control}
              className="input"
              type="search"
              value={view.q}
              onChange={(e) => onChange({ q: e.target.value }, { replace: true })}
              placeholder="Name or key"
            />
          )}
        </Field>
        <Field label="Tag">
          {(control) => (
            <select
              {...control}
              className="input"
              value={tagValue}
              onChange={(e) => onChange({ tags: e.target.value === '' ? [] : e.target.value.split(',') })}
            >
              <option value="">Any tag</option>
              {tagOptions.map((tag) => (
                <option key={tag} value={tag}>
                  {tag.split(',').join(' and ')}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="State">
          {(control) => (
            <select
              {...control}
              className="input"
              value={view.state}
              onChange={(e) =>
                onChange({
                  state: e.target.value as FlagListView['state'],
                  stateEnv: e.target.value === 'on' || e.target.value === 'off' ? stateEnv : undefined,
                })
              }
            >
              <option value="live">Any (not archived)</option>
              <option value="on">On</option>
              <option value="off">Off</option>
              <option value="archived">Archived</option>
            </select>
          )}
        </Field>
        {view.state === 'on' || view.state === 'off' ? (
          <Field label="In environment">
            {(control) => (
              <select
                {...control}
                className="input"
                value={stateEnv}
                onChange={(e) => onChange({ stateEnv: e.target.value })}
              >
                {project.environments.map((env) => (
                  <option key={env.key} value={env.key}>
                    {env.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
      </div>
    </div>
  );
}
