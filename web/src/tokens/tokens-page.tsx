import { useCallback, useState } from 'react';
import { api } from '../api';
import type { Member } from '../api-types';
import type { AccessToken } from '../api-types-settings';
import { OneTimeSecret } from '../integrations/one-time-secret';
import { paths } from '../router';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorMessage } from '../ui/error-message';
import { Link } from '../ui/link';
import { RelativeTime } from '../ui/relative-time';
import { usePolled } from '../ui/use-polled';
import { TokenForm } from './token-form';
import '../roles/roles.css';

/** What a token may do, in a few words. */
function grantText(token: AccessToken): string {
  if (token.inlineRole.length > 0)
    return `its own policy (${token.inlineRole.length} statement${token.inlineRole.length === 1 ? '' : 's'})`;
  if (token.customRoleIds.length > 0) return `custom roles: ${token.customRoleIds.join(', ')}`;
  return token.role ?? 'reader';
}

/** API access tokens: yours (an admin sees everyone's), created with the secret shown once. */
export function TokensPage({ me }: { readonly me: Member }) {
  const loadTokens = useCallback(() => api.tokens.list(), []);
  const loadRoles = useCallback(() => api.roles.list(), []);
  const loadMembers = useCallback(() => api.members.list(), []);
  const tokens = usePolled('tokens', loadTokens);
  const roles = usePolled('roles', loadRoles);
  const members = usePolled('members', loadMembers);
  const [secret, setSecret] = useState<{ name: string; token: string }>();
  const [deleting, setDeleting] = useState<AccessToken>();
  const [resetting, setResetting] = useState<AccessToken>();
  const [error, setError] = useState<unknown>();
  const owner = (t: AccessToken) => {
    if (t.memberId === me._id) return 'you';
    const m = members.data?.items.find((x) => x._id === t.memberId);
    return m === undefined ? t.memberId : m.email;
  };

  const reset = async (token: AccessToken) => {
    setResetting(undefined);
    try {
      const fresh = await api.tokens.reset(token._id);
      setSecret({ name: fresh.name, token: fresh.token });
      await tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (token: AccessToken) => {
    setDeleting(undefined);
    try {
      await api.tokens.remove(token._id);
      await tokens.reload();
    } catch (e) {
      setError(e);
    }
  };

  const list = tokens.data?.items ?? [];
  return (
    <div className="page">
      <h1>Access tokens</h1>
      <p className="lead">
        Tokens let scripts and tools call the REST API (<code>Authorization: &lt;token&gt;</code>). SDKs use
        the <Link to={paths.sdkKeys()}>SDK keys</Link> instead.
      </p>
      {secret === undefined ? null : (
        <OneTimeSecret
          secret={secret.token}
          label={`Access token ${secret.name}`}
          advice="Copy it now and store it where the script runs: you will not see it again."
          onDone={() => setSecret(undefined)}
        />
      )}
      <ErrorMessage error={tokens.error ?? error} title="Not done." />
      <section className="card" aria-labelledby="tokens-heading">
        <h2 id="tokens-heading">
          {me.role === 'admin' || me.role === 'owner' ? 'Every token' : 'Your tokens'}
        </h2>
        {tokens.data !== undefined && list.length === 0 ? <p className="muted">No tokens yet.</p> : null}
        {list.length === 0 ? null : (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Token</th>
                  <th scope="col">May do</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((t) => (
                  <tr key={t._id}>
                    <td>{t.name}</td>
                    <td>
                      <code>{t.token}</code>
                    </td>
                    <td>{grantText(t)}</td>
                    <td>{owner(t)}</td>
                    <td>
                      {t.lastUsed > 0 ? (
                        <RelativeTime at={t.lastUsed} />
                      ) : (
                        <span className="muted">never</span>
                      )}
                    </td>
                    <td className="nowrap">
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`Reset ${t.name}`}
                        onClick={() => setResetting(t)}
                      >
                        Reset
                      </button>{' '}
                      <button
                        type="button"
                        className="button button-danger-quiet button-small"
                        aria-label={`Delete ${t.name}`}
                        onClick={() => setDeleting(t)}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <TokenForm
        roles={roles.data?.items ?? []}
        onCreated={(created) => {
          setSecret({ name: created.name, token: created.token });
          void tokens.reload();
        }}
      />
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete the token ${deleting?.name ?? ''}?`}
        confirmLabel="Delete token"
        onConfirm={() => deleting && void remove(deleting)}
        onCancel={() => setDeleting(undefined)}
      >
        <p>Scripts using it stop working at once.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={resetting !== undefined}
        title={`Reset the token ${resetting?.name ?? ''}?`}
        confirmLabel="Reset token"
        onConfirm={() => resetting && void reset(resetting)}
        onCancel={() => setResetting(undefined)}
      >
        <p>The current secret stops working at once; the new one is shown once.</p>
      </ConfirmDialog>
    </div>
  );
}
