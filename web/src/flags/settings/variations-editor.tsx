import { useId, useState } from 'react';
import { api } from '../../api';
import type { Flag, SemanticInstruction } from '../../api-types';
import { ErrorMessage } from '../../ui/error-message';
import type { WriteAccess } from '../use-write-access';
import { variationUses } from './variation-uses';

interface VariationsEditorProps {
  readonly projectKey: string;
  readonly flag: Flag;
  readonly access: WriteAccess;
  readonly onSaved: (flag: Flag) => void;
}

interface Row {
  /** Absent for a variation added here and not saved yet. */
  readonly _id?: string;
  readonly key: string;
  readonly name: string;
  readonly value: string;
  readonly description: string;
}

const rowsOf = (flag: Flag): Row[] =>
  flag.variations.map((v, i) => ({
    ...(v._id === undefined ? {} : { _id: v._id }),
    key: v._id ?? String(i),
    name: v.name ?? '',
    value: JSON.stringify(v.value),
    description: v.description ?? '',
  }));

/** A value as typed: JSON when it parses (`3`, `true`, `{"a":1}`), else the text itself. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The flag's variations, as semantic patch instructions (addVariation, updateVariation,
 * removeVariation) saved as one change: a variation is matched by its id, so the server renumbers
 * the rules that serve later ones, and refuses to remove one that is still served anywhere.
 */
export function VariationsEditor({ projectKey, flag, access, onSaved }: VariationsEditorProps) {
  const id = useId();
  const [rows, setRows] = useState(() => rowsOf(flag));
  const [comment, setComment] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const readOnly = access.kind !== 'writable';
  const boolean = flag.kind === 'boolean';

  const instructions: SemanticInstruction[] = [];
  for (const v of flag.variations) {
    const row = rows.find((r) => r._id === v._id);
    if (row === undefined) {
      instructions.push({ kind: 'removeVariation', variationId: v._id });
      continue;
    }
    const change: Record<string, unknown> = {};
    if (row.name !== (v.name ?? '')) change.name = row.name;
    if (row.description !== (v.description ?? '')) change.description = row.description;
    if (JSON.stringify(parseValue(row.value)) !== JSON.stringify(v.value))
      change.value = parseValue(row.value);
    if (Object.keys(change).length > 0)
      instructions.push({ kind: 'updateVariation', variationId: v._id, ...change });
  }
  for (const row of rows)
    if (row._id === undefined)
      instructions.push({
        kind: 'addVariation',
        value: parseValue(row.value),
        ...(row.name === '' ? {} : { name: row.name }),
        ...(row.description === '' ? {} : { description: row.description }),
      });

  const set = (key: string, field: 'name' | 'value' | 'description', text: string) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, [field]: text } : r)));

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      const updated = await api.flags.instructions(projectKey, flag.key, instructions, comment);
      setRows(rowsOf(updated));
      setComment('');
      onSaved(updated);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Variations</h2>
      {boolean ? (
        <p className="muted small">A boolean flag serves true or false; you can name and describe each.</p>
      ) : null}
      <div className="table-scroll">
        <table className="table variations-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Value</th>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => {
              const saved = flag.variations.findIndex((v) => v._id === row._id);
              const uses = saved < 0 ? [] : variationUses(flag, saved);
              const why =
                boolean || rows.length <= 2
                  ? 'A flag keeps at least two variations.'
                  : uses.length > 0
                    ? `In use: ${uses.join('; ')}.`
                    : undefined;
              const label = `Variation ${index + 1}`;
              return (
                <tr key={row.key}>
                  <td className="numeric">{index + 1}</td>
                  <td>
                    <input
                      className="input mono"
                      aria-label={`${label}: value`}
                      value={row.value}
                      disabled={readOnly || boolean}
                      onChange={(e) => set(row.key, 'value', e.target.value)}
                    />
                  </td>
                  <td>
                    <input
                      className="input"
                      aria-label={`${label}: name`}
                      value={row.name}
                      maxLength={256}
                      disabled={readOnly}
                      onChange={(e) => set(row.key, 'name', e.target.value)}
                    />
                  </td>
                  <td>
                    <input
                      className="input"
                      aria-label={`${label}: description`}
                      value={row.description}
                      maxLength={1024}
                      disabled={readOnly}
                      onChange={(e) => set(row.key, 'description', e.target.value)}
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button button-quiet button-small"
                      aria-label={`Remove ${label.toLowerCase()}`}
                      aria-describedby={why === undefined ? undefined : `${id}-why-${index}`}
                      disabled={readOnly || why !== undefined}
                      onClick={() => setRows((rs) => rs.filter((r) => r.key !== row.key))}
                    >
                      Remove
                    </button>
                    {why === undefined ? null : (
                      <span className="muted small block" id={`${id}-why-${index}`}>
                        {why}
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {boolean ? null : (
        <button
          type="button"
          className="button"
          disabled={readOnly}
          onClick={() =>
            setRows((rs) => [
              ...rs,
              { key: `new-${rs.length}-${Date.now()}`, name: '', value: '""', description: '' },
            ])
          }
        >
          Add variation
        </button>
      )}
      {instructions.length === 0 ? null : (
        <div className="variations-save">
          <label htmlFor={`${id}-comment`}>Comment for this change</label>
          <input
            id={`${id}-comment`}
            className="input"
            value={comment}
            maxLength={1000}
            placeholder="Why? Shown in the audit log and the room"
            onChange={(e) => setComment(e.target.value)}
          />
          <ErrorMessage error={error} title="Not saved." />
          <div className="actions">
            <button type="button" className="button" disabled={saving} onClick={() => setRows(rowsOf(flag))}>
              Discard changes
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={saving}
              onClick={() => void save()}
            >
              {saving
                ? 'Saving…'
                : `Save variations (${instructions.length} change${instructions.length === 1 ? '' : 's'})`}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
