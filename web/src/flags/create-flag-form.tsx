import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../api';
import type { Flag, FlagPost } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';

interface CreateFlagFormProps {
  readonly projectKey: string;
  readonly onCreated: (flag: Flag) => void;
  readonly onCancel: () => void;
}

/** "New checkout" → "new-checkout" */
const keyFrom = (name: string): string =>
  name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-._]+|-+$/g, '');

/** Create a boolean flag, or a string flag with one variation per line. */
export function CreateFlagForm({ projectKey, onCreated, onCancel }: CreateFlagFormProps) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [keyEdited, setKeyEdited] = useState(false);
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<'boolean' | 'string'>('boolean');
  const [values, setValues] = useState('');
  const [temporary, setTemporary] = useState(true);
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const flagKey = keyEdited ? key : keyFrom(name);
  const issue = (pointer: string) =>
    error instanceof ApiError ? error.issuesUnder(pointer)[0]?.message : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const variations = values
      .split('\n')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (name.trim() === '')
      return setError(
        new ApiError(400, 'invalid', 'Give the flag a name.', [
          { pointer: '/name', message: 'Give the flag a name.' },
        ]),
      );
    if (kind === 'string' && variations.length < 2) {
      return setError(
        new ApiError(400, 'invalid', 'A string flag needs at least two variations.', [
          { pointer: '/variations', message: 'Enter at least two values, one per line.' },
        ]),
      );
    }
    const body: FlagPost = {
      key: flagKey,
      name: name.trim(),
      temporary,
      ...(description.trim() === '' ? {} : { description: description.trim() }),
      ...(kind === 'string' ? { variations: variations.map((value) => ({ value })) } : {}),
    };
    setSaving(true);
    setError(undefined);
    try {
      onCreated(await api.flags.create(projectKey, body));
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="card create-flag" onSubmit={submit} noValidate aria-label="Create a flag">
      <h2>Create a flag</h2>
      <div className="form-row">
        <Field label="Name" error={issue('/name')}>
          {(control) => (
            <input
              {...control}
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="New checkout"
            />
          )}
        </Field>
        <Field label="Key" hint="Used by the SDKs; cannot change later." error={issue('/key')}>
          {(control) => (
            <input
              {...control}
              className="input mono"
              value={flagKey}
              onChange={(e) => {
                setKeyEdited(true);
                setKey(e.target.value);
              }}
              placeholder="new-checkout"
            />
          )}
        </Field>
      </div>
      <Field
        label={
          <>
            Description <span className="optional">optional</span>
          </>
        }
        error={issue('/description')}
      >
        {(control) => (
          <input
            {...control}
            className="input"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        )}
      </Field>
      <div className="form-row">
        <Field label="Type">
          {(control) => (
            <select
              {...control}
              className="input"
              value={kind}
              onChange={(e) => setKind(e.target.value === 'string' ? 'string' : 'boolean')}
            >
              <option value="boolean">Boolean (true / false)</option>
              <option value="string">String (one value per line)</option>
            </select>
          )}
        </Field>
        <label className="checkbox align-end">
          <input type="checkbox" checked={temporary} onChange={(e) => setTemporary(e.target.checked)} />
          <span>Temporary (remove once fully rolled out)</span>
        </label>
      </div>
      {kind === 'string' ? (
        <Field
          label="Variations"
          hint="One value per line; the first is served when on, the last when off."
          error={issue('/variations')}
        >
          {(control) => (
            <textarea
              {...control}
              className="input mono"
              rows={4}
              value={values}
              onChange={(e) => setValues(e.target.value)}
            />
          )}
        </Field>
      ) : null}
      <ErrorMessage error={error} title="Not created." />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Creating…' : 'Create flag'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
