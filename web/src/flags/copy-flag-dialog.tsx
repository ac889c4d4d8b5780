import { useState } from 'react';
import { api } from '../api';
import type { Flag } from '../api-types';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { type ChangeRules, commentProblem } from './change-rules';

interface CopyFlagProps {
  readonly projectKey: string;
  readonly flag: Flag;
  /** The environment shown: the one copied from. */
  readonly envKey: string;
  /** With what each asks of a change, when known (a target requiring comments gets one asked for). */
  readonly environments: readonly ({ readonly key: string; readonly name: string } & ChangeRules)[];
  readonly onCopied: (flag: Flag, targetName: string) => void;
}

/**
 * "Copy to environment…": the flag's settings in this environment (on/off, targets, rules, default
 * rule, off variation, prerequisites) replace those of another, as one audited change. The copy
 * names the version shown, so settings changed meanwhile by someone else are not copied unseen.
 */
export function CopyFlagButton({ projectKey, flag, envKey, environments, onCopied }: CopyFlagProps) {
  const others = environments.filter((e) => e.key !== envKey);
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState('');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const source = flag.environments[envKey];
  if (source === undefined || others.length === 0) return null;
  const sourceName = source._environmentName;
  const chosen = others.find((e) => e.key === target) ?? others[0];
  const close = () => {
    setOpen(false);
    setError(undefined);
    setComment('');
  };
  const copy = async () => {
    if (chosen === undefined) return;
    const problem = commentProblem(chosen, chosen.name, comment);
    if (problem !== undefined) {
      setError(new Error(problem));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const copied = await api.flags.copy(projectKey, flag.key, envKey, source.version, chosen.key, comment);
      close();
      onCopied(copied, chosen.name);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)}>
        Copy to environment…
      </button>
      <ConfirmDialog
        open={open}
        title={`Copy the settings of ${sourceName} to another environment?`}
        confirmLabel={busy ? 'Copying…' : `Copy to ${chosen?.name ?? ''}`}
        busy={busy}
        onConfirm={() => void copy()}
        onCancel={close}
      >
        <p>
          The flag's settings in {sourceName}, on or off included, replace its settings in the environment you
          choose. Applications there get them at once.
        </p>
        <Field label="Copy to">
          {(control) => (
            <select
              {...control}
              className="input"
              value={chosen?.key}
              onChange={(e) => setTarget(e.target.value)}
            >
              {others.map((e) => (
                <option key={e.key} value={e.key}>
                  {e.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={chosen?.requireComments === true ? 'Comment (required there)' : 'Comment'}>
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
        <ErrorMessage error={error} title="Could not copy the settings." />
      </ConfirmDialog>
    </>
  );
}
