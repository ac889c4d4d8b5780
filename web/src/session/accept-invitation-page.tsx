import { type FormEvent, useState } from 'react';
import { api } from '../api';
import type { Member } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';

const minPassword = 8;

/** Where an invitation link leads: choose a password (and a name), and be signed in. */
export function AcceptInvitationPage({ onAccepted }: { readonly onAccepted: (member: Member) => void }) {
  // The token is in the fragment, so it never reached the server's or a proxy's logs.
  const [token] = useState(() => window.location.hash.replace(/^#/, ''));
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [tooShort, setTooShort] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password.length < minPassword) {
      setTooShort(true);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const names = {
        ...(firstName.trim() === '' ? {} : { firstName: firstName.trim() }),
        ...(lastName.trim() === '' ? {} : { lastName: lastName.trim() }),
      };
      onAccepted(await api.invitations.accept(token, password, names));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} noValidate aria-labelledby="accept-heading">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          Switchboard
        </div>
        <h1 id="accept-heading">Join your team</h1>
        {token === '' ? (
          <p className="alert alert-error" role="alert">
            This link has no invitation in it. Open the whole link you were sent, or ask for a new one.
          </p>
        ) : (
          <>
            <div className="form-row">
              <Field
                label={
                  <>
                    First name <span className="optional">optional</span>
                  </>
                }
              >
                {(control) => (
                  <input
                    {...control}
                    className="input"
                    autoComplete="given-name"
                    value={firstName}
                    onChange={(e) => setFirstName(e.target.value)}
                  />
                )}
              </Field>
              <Field
                label={
                  <>
                    Last name <span className="optional">optional</span>
                  </>
                }
              >
                {(control) => (
                  <input
                    {...control}
                    className="input"
                    autoComplete="family-name"
                    value={lastName}
                    onChange={(e) => setLastName(e.target.value)}
                  />
                )}
              </Field>
            </div>
            <Field
              label="Choose a password"
              hint={`At least ${minPassword} characters.`}
              error={
                tooShort && password.length < minPassword
                  ? `Use at least ${minPassword} characters.`
                  : undefined
              }
            >
              {(control) => (
                <input
                  {...control}
                  className="input"
                  type="password"
                  autoComplete="new-password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              )}
            </Field>
            <ErrorMessage error={error} />
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              {busy ? 'Joining…' : 'Join and sign in'}
            </button>
          </>
        )}
      </form>
    </main>
  );
}
