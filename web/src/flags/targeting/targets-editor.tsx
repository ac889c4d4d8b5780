import { useId, useState } from 'react';
import type { Flag } from '../../api-types';
import { variationText } from '../variation-text';
import { VariationSelect } from './serve-editor';
import { type DraftTarget, parseKeys } from './targeting-draft';

interface TargetsEditorProps {
  readonly flag: Flag;
  readonly targets: readonly DraftTarget[];
  readonly disabled: boolean;
  readonly onChange: (targets: readonly DraftTarget[]) => void;
}

const kindOf = (t: DraftTarget) => t.contextKind ?? 'user';

/**
 * Contexts served a variation whatever the rules say, grouped by variation and context kind (the
 * kind `user` unless said otherwise). Keys can be pasted many at once: lines, commas or spaces.
 */
export function TargetsEditor({ flag, targets, disabled, onChange }: TargetsEditorProps) {
  const id = useId();
  const [newKind, setNewKind] = useState('user');
  const [newVariation, setNewVariation] = useState(0);
  const exists = targets.some((t) => kindOf(t) === newKind.trim() && t.variation === newVariation);
  return (
    <section className="targeting-section" aria-labelledby="targets-heading">
      <h3 id="targets-heading">Individual targets</h3>
      {targets.length === 0 ? <p className="muted">No individual targets.</p> : null}
      <ul className="target-list">
        {targets.map((target, index) => {
          const label = `${kindOf(target)} keys served ${variationText(flag, target.variation)}`;
          return (
            <li key={`${kindOf(target)}:${target.variation}`} className="target-group">
              <TargetKeys
                label={label}
                values={target.values}
                disabled={disabled}
                onChange={(values) => onChange(targets.map((t, i) => (i === index ? { ...t, values } : t)))}
              />
              <button
                type="button"
                className="button button-quiet button-small"
                aria-label={`Remove the ${label}`}
                disabled={disabled}
                onClick={() => onChange(targets.filter((_, i) => i !== index))}
              >
                Remove
              </button>
            </li>
          );
        })}
      </ul>
      <div className="form-row target-add">
        <label>
          <span>Context kind</span>
          <input
            className="input"
            value={newKind}
            disabled={disabled}
            onChange={(e) => setNewKind(e.target.value)}
          />
        </label>
        <div className="stack-field">
          <label htmlFor={`${id}-variation`}>Variation</label>
          <VariationSelect
            id={`${id}-variation`}
            flag={flag}
            value={newVariation}
            label="Variation for new targets"
            disabled={disabled}
            onChange={setNewVariation}
          />
        </div>
        <button
          type="button"
          className="button"
          disabled={disabled || exists || newKind.trim() === ''}
          onClick={() =>
            onChange([
              ...targets,
              {
                values: [],
                variation: newVariation,
                ...(newKind.trim() === 'user' ? {} : { contextKind: newKind.trim() }),
              },
            ])
          }
        >
          Add individual targets
        </button>
      </div>
    </section>
  );
}

function TargetKeys({
  label,
  values,
  disabled,
  onChange,
}: {
  readonly label: string;
  readonly values: readonly string[];
  readonly disabled: boolean;
  readonly onChange: (values: readonly string[]) => void;
}) {
  const [text, setText] = useState(() => values.join('\n'));
  return (
    <label className="target-keys">
      <span>
        {label[0]?.toUpperCase()}
        {label.slice(1)} <span className="muted small">({values.length})</span>
      </span>
      <textarea
        className="input"
        rows={Math.min(6, Math.max(2, values.length + 1))}
        value={text}
        disabled={disabled}
        placeholder="Paste keys: one per line, or separated by commas"
        onChange={(e) => {
          setText(e.target.value);
          onChange(parseKeys(e.target.value));
        }}
      />
    </label>
  );
}
