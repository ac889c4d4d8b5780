import { useId, useMemo, useState } from 'react';
import { api } from '../api';
import type { Role } from '../api-types';
import type { AccessToken, AccessTokenPost, CustomRole } from '../api-types-settings';
import { checkPolicyText } from '../integrations/policy-check';
import { PolicyEditor } from '../integrations/policy-editor';
import { rolePolicyTexts } from '../roles/role-policy-texts';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';

type Access = 'role' | 'custom' | 'inline';

interface TokenFormProps {
  readonly roles: readonly CustomRole[];
  readonly onCreated: (token: AccessToken) => void;
}

const builtIn: readonly Role[] = ['reader', 'writer', 'admin'];

/** A new access token: a name, and what it may do (a built-in role, custom roles or its own policy). */
export function TokenForm({ roles, onCreated }: TokenFormProps) {
  const id = useId();
  const [name, setName] = useState('');
  const [access, setAccess] = useState<Access>('role');
  const [role, setRole] = useState<Role>('reader');
  const [customRoleIds, setCustomRoleIds] = useState<readonly string[]>([]);
  const [policyText, setPolicyText] = useState('');
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const check = useMemo(() => checkPolicyText(policyText), [policyText]);

  const nameError = name.trim() === '' ? 'Give the token a name, e.g. CI deploys.' : undefined;
  const accessError =
    access === 'custom' && customRoleIds.length === 0
      ? 'Choose at least one custom role.'
      : access === 'inline' && (check.kind !== 'ok' || check.statements.length === 0)
        ? 'Write a valid policy with at least one statement.'
        : undefined;

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setTried(true);
    setError(undefined);
    if (nameError !== undefined || accessError !== undefined) return;
    const body: AccessTokenPost = {
      name: name.trim(),
      ...(access === 'role' ? { role } : {}),
      ...(access === 'custom' ? { customRoleIds } : {}),
      ...(access === 'inline' && check.kind === 'ok' ? { inlineRole: check.statements } : {}),
    };
    setSaving(true);
    try {
      onCreated(await api.tokens.create(body));
      setName('');
      setTried(false);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className="card token-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby={`${id}-title`}
    >
      <h2 id={`${id}-title`}>Create a token</h2>
      <Field label="Token name" error={tried ? nameError : undefined}>
        {(control) => (
          <input
            {...control}
            className="input"
            value={name}
            maxLength={256}
            onChange={(e) => setName(e.target.value)}
          />
        )}
      </Field>
      <fieldset className="token-access">
        <legend>What it may do</legend>
        <div className="role-choices">
          {(
            [
              ['role', 'A built-in role'],
              ['custom', 'Custom roles'],
              ['inline', 'Its own policy'],
            ] as const
          ).map(([value, text]) => (
            <label key={value} className="checkbox">
              <input
                type="radio"
                name={`${id}-access`}
                checked={access === value}
                onChange={() => setAccess(value)}
              />
              <span>{text}</span>
            </label>
          ))}
        </div>
        {access === 'role' ? (
          <Field label="Role">
            {(control) => (
              <select
                {...control}
                className="input"
                value={role}
                onChange={(e) => setRole(e.target.value as Role)}
              >
                {builtIn.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {access === 'custom' ? (
          roles.length === 0 ? (
            <p className="muted">There are no custom roles yet.</p>
          ) : (
            <div className="role-choices">
              {roles.map((r) => (
                <label key={r.key} className="checkbox">
                  <input
                    type="checkbox"
                    checked={customRoleIds.includes(r.key)}
                    onChange={(e) =>
                      setCustomRoleIds((ids) =>
                        e.target.checked ? [...ids, r.key] : ids.filter((k) => k !== r.key),
                      )
                    }
                  />
                  <span>{r.name}</span>
                </label>
              ))}
            </div>
          )
        ) : null}
        {access === 'inline' ? (
          <PolicyEditor
            value={policyText}
            onChange={setPolicyText}
            check={check}
            serverIssues={[]}
            texts={{ ...rolePolicyTexts, legend: 'Token policy', label: 'Token policy (JSON)' }}
          />
        ) : null}
        {tried && accessError !== undefined ? <p className="field-error">{accessError}</p> : null}
      </fieldset>
      <p className="hint">A token never has more rights than you: what you lack is refused.</p>
      <ErrorMessage error={error} title="Not created." />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Creating…' : 'Create token'}
        </button>
      </div>
    </form>
  );
}
