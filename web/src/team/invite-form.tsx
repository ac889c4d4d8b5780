import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../api';
import { type InvitedMember, type Role, roles } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { InviteLinks } from './invite-links';
import { roleLabels } from './role-labels';

/** Invite one or more people (all or nothing), each with the chosen role. */
export function InviteForm({
  onInvited,
}: {
  readonly onInvited: (members: readonly InvitedMember[]) => void;
}) {
  const [emails, setEmails] = useState('');
  const [role, setRole] = useState<Role>('reader');
  const [error, setError] = useState<unknown>();
  const [invited, setInvited] = useState<readonly InvitedMember[]>([]);
  const [saving, setSaving] = useState(false);
  const list = emails
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter((e) => e !== '');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setInvited([]);
    if (list.length === 0) {
      setError(new Error('Enter at least one email address.'));
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      const page = await api.members.invite(list.map((email) => ({ email, role })));
      setEmails('');
      setInvited(page.items);
      onInvited(page.items);
    } catch (failure) {
      // Pointers are like /1/email: name the address the server refused.
      if (failure instanceof ApiError && failure.issues.length > 0) {
        const lines = failure.issues.map((i) => {
          const index = Number(/^\/(\d+)/.exec(i.pointer)?.[1]);
          const address = list[index];
          if (address === undefined) return i.message;
          // "is not an email address", "must be at most 254 characters": the address is the subject.
          return /^(is|must|does) /.test(i.message) ? `${address} ${i.message}` : `${address}: ${i.message}`;
        });
        setError(new Error([...new Set(lines)].join('; ')));
      } else setError(failure);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="card invite-form" onSubmit={submit} noValidate aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite people</h2>
      <div className="form-row">
        <Field label="Email addresses" hint="Separate several with commas or spaces." className="grow">
          {(control) => (
            <input
              {...control}
              className="input"
              type="text"
              inputMode="email"
              value={emails}
              onChange={(e) => setEmails(e.target.value)}
              placeholder="ana@example.com, bo@example.com"
              autoComplete="off"
            />
          )}
        </Field>
        <Field label="Role" className="role-field">
          {(control) => (
            <select
              {...control}
              className="input"
              value={role}
              onChange={(e) => setRole(e.target.value as Role)}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {roleLabels[r].name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="actions align-end">
          <button type="submit" className="button button-primary" disabled={saving}>
            {saving ? 'Inviting…' : list.length > 1 ? `Invite ${list.length}` : 'Invite'}
          </button>
        </div>
      </div>
      <p className="hint">{roleLabels[role].description}</p>
      <ErrorMessage error={error} title="Nobody was invited." />
      <InviteLinks invited={invited} />
    </form>
  );
}
