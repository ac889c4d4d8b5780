import { useMemo, useRef, useState } from 'react';
import { ApiError, api } from '../api';
import type { JsonPatchOperation } from '../api-types';
import type { CustomRole } from '../api-types-settings';
import { jsonSpans } from '../integrations/json-spans';
import { checkPolicyText, type LocatedIssue, locate } from '../integrations/policy-check';
import { PolicyEditor } from '../integrations/policy-editor';
import { formatPolicy } from '../integrations/policy-snippets';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { rolePolicyTexts } from './role-policy-texts';

interface RoleFormProps {
  /** The role to edit; absent to create one. */
  readonly existing?: CustomRole;
  readonly onSaved: (role: CustomRole) => void;
  readonly onCancel: () => void;
}

const keyPattern = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** Create or edit a custom role: its policy checked as you type, the server's problems marked in place. */
export function RoleForm({ existing, onSaved, onCancel }: RoleFormProps) {
  const [key, setKey] = useState(existing?.key ?? '');
  const [name, setName] = useState(existing?.name ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [policyText, setPolicyText] = useState(existing === undefined ? '' : formatPolicy(existing.policy));
  const [server, setServer] = useState<{ text: string; issues: LocatedIssue[] }>();
  const [error, setError] = useState<unknown>();
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const check = useMemo(() => checkPolicyText(policyText), [policyText]);

  const errors = {
    key:
      existing !== undefined || keyPattern.test(key)
        ? undefined
        : 'A key: letters, digits, ".", "_" or "-", e.g. release-managers.',
    name: name.trim() === '' ? 'Give the role a name.' : undefined,
  };
  const policyProblem =
    check.kind === 'ok' ? undefined : 'The policy has problems, marked in the editor: fix them first.';

  const showServerError = (e: unknown) => {
    setError(e);
    if (!(e instanceof ApiError)) return;
    const issues = e.issuesUnder('/policy');
    const spans = jsonSpans(policyText);
    if (issues.length > 0)
      setServer({
        text: policyText,
        issues: issues.map((i) =>
          locate(
            policyText,
            spans.ok ? spans.spans : new Map(),
            i.pointer.slice('/policy'.length),
            i.message,
          ),
        ),
      });
  };

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setTried(true);
    setError(undefined);
    if (errors.key !== undefined || errors.name !== undefined || check.kind !== 'ok') {
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setSaving(true);
    try {
      if (existing === undefined) {
        onSaved(await api.roles.create({ key, name: name.trim(), description, policy: check.statements }));
      } else {
        const patch: JsonPatchOperation[] = [{ op: 'test', path: '/_version', value: existing._version }];
        if (name.trim() !== existing.name) patch.push({ op: 'replace', path: '/name', value: name.trim() });
        if (description !== existing.description)
          patch.push({ op: 'replace', path: '/description', value: description });
        if (JSON.stringify(check.statements) !== JSON.stringify(existing.policy))
          patch.push({ op: 'replace', path: '/policy', value: check.statements });
        onSaved(patch.length === 1 ? existing : await api.roles.update(existing.key, patch));
      }
    } catch (e) {
      showServerError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form ref={form} className="card role-form" onSubmit={(e) => void submit(e)} noValidate>
      {existing === undefined ? (
        <Field
          label="Key"
          hint="How policies, members and tokens name the role"
          error={tried ? errors.key : undefined}
        >
          {(control) => (
            <input
              {...control}
              className="input mono"
              value={key}
              maxLength={256}
              onChange={(e) => setKey(e.target.value)}
            />
          )}
        </Field>
      ) : null}
      <Field label="Name" error={tried ? errors.name : undefined}>
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
      <Field label="Description">
        {(control) => (
          <textarea
            {...control}
            className="input"
            rows={2}
            value={description}
            maxLength={4096}
            onChange={(e) => setDescription(e.target.value)}
          />
        )}
      </Field>
      <PolicyEditor
        value={policyText}
        onChange={(text) => {
          setPolicyText(text);
          setError(undefined);
        }}
        check={check}
        serverIssues={server?.text === policyText ? server.issues : []}
        texts={rolePolicyTexts}
      />
      {tried && policyProblem !== undefined ? <p className="field-error">{policyProblem}</p> : null}
      <ErrorMessage error={error} title="Not saved." />
      <div className="actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Saving…' : existing === undefined ? 'Create role' : 'Save role'}
        </button>
      </div>
    </form>
  );
}
