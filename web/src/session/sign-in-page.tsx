import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../api';
import type { Member } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';

/** Email and password; the server answers with an HttpOnly session cookie. */
export function SignInPage({
  onSignedIn,
  notice,
}: {
  readonly onSignedIn: (member: Member) => void;
  readonly notice?: string;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (email.trim() === '' || password === '') {
      setError(new Error('Enter your email and password.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const session = await api.session.signIn(email.trim(), password);
      onSignedIn(session.member);
    } catch (failure) {
      setPassword('');
      setError(
        failure instanceof ApiError && failure.status === 401
          ? new Error('Wrong email or password.')
          : failure,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} noValidate aria-labelledby="sign-in-heading">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          Switchboard
        </div>
        <h1 id="sign-in-heading">Sign in</h1>
        {notice === undefined ? null : (
          <p className="alert alert-info" role="status">
            {notice}
          </p>
        )}
        <Field label="Email">
          {(control) => (
            <input
              {...control}
              className="input"
              type="email"
              autoComplete="username"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              required
            />
          )}
        </Field>
        <Field label="Password">
          {(control) => (
            <input
              {...control}
              className="input"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          )}
        </Field>
        <ErrorMessage error={error} />
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="hint">The owner’s login is printed once at the first start.</p>
      </form>
    </main>
  );
}
