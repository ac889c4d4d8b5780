import { useId, useState } from 'react';
import { api } from '../../api';
import type { Flag } from '../../api-types';
import { navigate, paths } from '../../router';
import { DeleteByKeyDialog } from '../../ui/confirm-dialog';
import { ErrorMessage } from '../../ui/error-message';
import type { WriteAccess } from '../use-write-access';

interface FlagLifecycleProps {
  readonly projectKey: string;
  readonly flag: Flag;
  readonly access: WriteAccess;
  readonly onChanged: (flag: Flag) => void;
}

/** Archive or restore the flag, or delete it for good once its key is typed to confirm. */
export function FlagLifecycle({ projectKey, flag, access, onChanged }: FlagLifecycleProps) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [deleting, setDeleting] = useState(false);
  const readOnly = access.kind !== 'writable';

  const setArchived = async (archived: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      onChanged(
        await api.flags.patch(projectKey, flag.key, [{ op: 'replace', path: '/archived', value: archived }]),
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.flags.remove(projectKey, flag.key);
      navigate(paths.flags(projectKey));
    } catch (e) {
      setError(e);
      setDeleting(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Archive or delete</h2>
      <p className="muted">
        {flag.archived
          ? 'This flag is archived: it is hidden from the flag list and SDKs still serve its off variation. Restore it to use it again.'
          : 'Archive a flag the code no longer reads: it leaves the flag list and can be restored. Deleting removes it and its history for good.'}
      </p>
      <ErrorMessage error={error} title="Not done." />
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={readOnly || busy}
          onClick={() => void setArchived(!flag.archived)}
        >
          {flag.archived ? 'Restore flag' : 'Archive flag'}
        </button>
        <button
          type="button"
          className="button button-danger-quiet"
          disabled={readOnly || busy}
          onClick={() => setDeleting(true)}
        >
          Delete flag
        </button>
      </div>
      <DeleteByKeyDialog
        open={deleting}
        noun="flag"
        confirmKey={flag.key}
        title={`Delete the flag ${flag.name}?`}
        busy={busy}
        onConfirm={() => void remove()}
        onCancel={() => setDeleting(false)}
      >
        <p>
          SDKs will serve the application's default value wherever the code still asks for{' '}
          <code>{flag.key}</code>. This cannot be undone.
        </p>
      </DeleteByKeyDialog>
    </section>
  );
}
