import { useId } from 'react';
import type { Flag } from '../../api-types';
import { VariationSelect } from './serve-editor';
import type { DraftPrerequisite } from './targeting-draft';

interface PrerequisitesEditorProps {
  readonly flag: Flag;
  /** The project's other flags, to pick from. */
  readonly flags: readonly Flag[];
  readonly prerequisites: readonly DraftPrerequisite[];
  readonly disabled: boolean;
  readonly onChange: (prerequisites: readonly DraftPrerequisite[]) => void;
}

/** Flags that must serve a given variation before this one is evaluated (else it serves its off variation). */
export function PrerequisitesEditor({
  flag,
  flags,
  prerequisites,
  disabled,
  onChange,
}: PrerequisitesEditorProps) {
  const id = useId();
  const others = flags.filter((f) => f.key !== flag.key);
  const unused = others.filter((f) => !prerequisites.some((p) => p.key === f.key));
  const set = (index: number, p: DraftPrerequisite) =>
    onChange(prerequisites.map((x, i) => (i === index ? p : x)));
  return (
    <section className="targeting-section" aria-labelledby="prerequisites-heading">
      <h3 id="prerequisites-heading">Prerequisites</h3>
      {prerequisites.length === 0 ? <p className="muted">No prerequisites.</p> : null}
      <ul className="prerequisite-list">
        {prerequisites.map((p, index) => {
          const label = `Prerequisite ${index + 1}`;
          const other = others.find((f) => f.key === p.key);
          return (
            <li key={p.key === '' ? `new-${index}` : p.key} className="form-row">
              <label>
                <span>{label}: flag</span>
                <select
                  className="input"
                  value={p.key}
                  disabled={disabled}
                  onChange={(e) => set(index, { key: e.target.value, variation: 0 })}
                >
                  {p.key === '' ? <option value="">Choose a flag</option> : null}
                  {others
                    .filter((f) => f.key === p.key || !prerequisites.some((q) => q.key === f.key))
                    .map((f) => (
                      <option key={f.key} value={f.key}>
                        {f.name} ({f.key})
                      </option>
                    ))}
                </select>
              </label>
              {other === undefined ? null : (
                <div className="stack-field">
                  <label htmlFor={`${id}-${index}`}>{label}: serving</label>
                  <VariationSelect
                    id={`${id}-${index}`}
                    flag={other}
                    value={p.variation}
                    label={`${label}: variation`}
                    disabled={disabled}
                    onChange={(variation) => set(index, { ...p, variation })}
                  />
                </div>
              )}
              <button
                type="button"
                className="button button-quiet button-small"
                aria-label={`Remove ${label.toLowerCase()}`}
                disabled={disabled}
                onClick={() => onChange(prerequisites.filter((_, i) => i !== index))}
              >
                Remove
              </button>
            </li>
          );
        })}
      </ul>
      <button
        type="button"
        className="button"
        disabled={disabled || unused.length === 0}
        onClick={() => onChange([...prerequisites, { key: '', variation: 0 }])}
      >
        Add prerequisite
      </button>
    </section>
  );
}
