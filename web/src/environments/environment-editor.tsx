import { useId, useState } from 'react';
import { ApiError, api } from '../api';
import type { Environment, JsonPatchOperation } from '../api-types';
import { paths } from '../router';
import { DeleteByKeyDialog } from '../ui/confirm-dialog';
import { ErrorMessage } from '../ui/error-message';
import { Link } from '../ui/link';

interface EnvironmentEditorProps {
  readonly projectKey: string;
  readonly env: Environment;
  readonly onSaved: (env: Environment) => void;
  readonly onDeleted: () => void;
}

const flags = ['requireComments', 'confirmChanges', 'critical'] as const;
const flagText: Record<(typeof flags)[number], string> = {
  requireComments: 'Require a comment with every change',
  confirmChanges: 'Ask for confirmation before every change',
  critical: 'Critical (production): changes here are marked as such',
};

/** One environment: rename, colour, its change rules, its SDK keys (linked) and deletion. */
export function EnvironmentEditor({ projectKey, env, onSaved, onDeleted }: EnvironmentEditorProps) {
  const id = useId();
  const [name, setName] = useState(env.name);
  const [color, setColor] = useState(`#${env.color}`);
  const [rules, setRules] = useState({
    requireComments: env.requireComments ?? false,
    confirmChanges: env.confirmChanges ?? false,
    critical: env.critical ?? false,
  });
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const [deleting, setDeleting] = useState(false);

  const patch: JsonPatchOperation[] = [];
  if (name.trim() !== env.name) patch.push({ op: 'replace', path: '/name', value: name.trim() });
  if (color.slice(1).toLowerCase() !== env.color.toLowerCase())
    patch.push({ op: 'replace', path: '/color', value: color.slice(1) });
  for (const f of flags)
    if (rules[f] !== (env[f] ?? false)) patch.push({ op: 'replace', path: `/${f}`, value: rules[f] });

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    if (patch.length === 0 || name.trim() === '') return;
    setSaving(true);
    setError(undefined);
    try {
      const test: JsonPatchOperation[] =
        env._version === undefined ? [] : [{ op: 'test', path: '/_version', value: env._version }];
      onSaved(await api.environments.update(projectKey, env.key, [...test, ...patch]));
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 409
          ? new Error(
              'Someone changed this environment since you opened it: reload the page and make your change again.',
            )
          : e,
      );
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    setDeleting(false);
    try {
      await api.environments.remove(projectKey, env.key);
      onDeleted();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <article className="card env-card" aria-labelledby={`${id}-title`}>
      <form onSubmit={(e) => void save(e)}>
        <header className="card-header">
          <h2 id={`${id}-title`} className="env-title">
            <span className="env-dot" style={{ background: `#${env.color}` }} aria-hidden="true" />
            {env.name} <code className="small">{env.key}</code>
          </h2>
          <Link to={`${paths.sdkKeys(projectKey)}/environments/${encodeURIComponent(env.key)}`}>
            SDK keys
          </Link>
        </header>
        <div className="form-row">
          <label className="stack-field">
            Name
            <input className="input" value={name} maxLength={256} onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="stack-field">
            Colour
            <input
              className="input color-input"
              type="color"
              value={color}
              onChange={(e) => setColor(e.target.value)}
            />
          </label>
        </div>
        {flags.map((f) => (
          <label key={f} className="checkbox">
            <input
              type="checkbox"
              checked={rules[f]}
              onChange={(e) => setRules((r) => ({ ...r, [f]: e.target.checked }))}
            />
            <span>{flagText[f]}</span>
          </label>
        ))}
        <ErrorMessage error={error} title="Not saved." />
        <div className="actions">
          <button type="button" className="button button-danger-quiet" onClick={() => setDeleting(true)}>
            Delete {env.name}
          </button>
          <button type="submit" className="button button-primary" disabled={saving || patch.length === 0}>
            {saving ? 'Saving…' : `Save ${env.name}`}
          </button>
        </div>
      </form>
      <DeleteByKeyDialog
        open={deleting}
        noun="environment"
        confirmKey={env.key}
        title={`Delete the environment ${env.name}?`}
        onConfirm={() => void remove()}
        onCancel={() => setDeleting(false)}
      >
        <p>
          Every flag loses its targeting in {env.name}, and SDKs using its keys stop receiving flags. This
          cannot be undone.
        </p>
      </DeleteByKeyDialog>
    </article>
  );
}
