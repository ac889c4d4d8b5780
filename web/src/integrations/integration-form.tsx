import { type FormEvent, useId, useMemo, useRef, useState } from 'react';
import { ApiError, api } from '../api';
import type { Integration, JsonPatchOperation } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { jsonSpans } from './json-spans';
import { checkPolicyText, type LocatedIssue, locate } from './policy-check';
import { PolicyEditor } from './policy-editor';
import { PolicyPreview } from './policy-preview';
import { formatPolicy } from './policy-snippets';

interface IntegrationFormProps {
  /** The integration to edit; absent to add one. */
  readonly existing?: Integration;
  readonly onSaved: (integration: Integration) => void;
  readonly onCancel: () => void;
}

type FieldName = 'name' | 'room' | 'token' | 'server';
type FieldErrors = Partial<Record<FieldName, string>>;

const fieldPointers: Readonly<Record<FieldName, string>> = {
  name: '/name',
  room: '/config/room',
  token: '/config/token',
  server: '/config/server',
};

function editPatch(existing: Integration, values: Values, statements: unknown): JsonPatchOperation[] {
  const patch: JsonPatchOperation[] = [];
  const { config } = existing;
  if (values.name !== existing.name) patch.push({ op: 'replace', path: '/name', value: values.name });
  if (values.room !== config.room) patch.push({ op: 'replace', path: '/config/room', value: values.room });
  if (values.notify !== config.notify)
    patch.push({ op: 'replace', path: '/config/notify', value: values.notify });
  const server = values.server === '' ? undefined : values.server;
  if (server !== config.server) {
    if (server === undefined) patch.push({ op: 'remove', path: '/config/server' });
    else
      patch.push({
        op: config.server === undefined ? 'add' : 'replace',
        path: '/config/server',
        value: server,
      });
  }
  // An empty token field means "keep the stored one": the token is never sent back to the browser.
  if (values.token !== '') patch.push({ op: 'replace', path: '/config/token', value: values.token });
  if (JSON.stringify(statements) !== JSON.stringify(existing.statements)) {
    patch.push({ op: 'replace', path: '/statements', value: statements });
  }
  return patch;
}

interface Values {
  readonly name: string;
  readonly room: string;
  readonly token: string;
  readonly server: string;
  readonly notify: boolean;
}

/** Add or edit a HipChat room integration: where to post, and which changes to send. */
export function IntegrationForm({ existing, onSaved, onCancel }: IntegrationFormProps) {
  const [values, setValues] = useState<Values>({
    name: existing?.name ?? '',
    room: existing?.config.room ?? '',
    token: '',
    server: existing?.config.server ?? '',
    notify: existing?.config.notify ?? false,
  });
  const [policyText, setPolicyText] = useState(
    existing === undefined ? '' : formatPolicy(existing.statements),
  );
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [serverPolicyIssues, setServerPolicyIssues] = useState<{ text: string; issues: LocatedIssue[] }>();
  const [formError, setFormError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const id = useId();
  const check = useMemo(() => checkPolicyText(policyText), [policyText]);
  const statements = check.kind === 'ok' ? check.statements : undefined;

  const set = <K extends keyof Values>(name: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [name]: value }));
    setFormError(undefined);
    if (name in fieldErrors) setFieldErrors((e) => ({ ...e, [name]: undefined }));
  };

  const focusFirstProblem = () => {
    requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  };

  const showServerError = (error: unknown) => {
    if (!(error instanceof ApiError)) {
      setFormError(error);
      return;
    }
    const errors: FieldErrors = {};
    for (const [field, pointer] of Object.entries(fieldPointers) as [FieldName, string][]) {
      const issue = error.issuesUnder(pointer)[0];
      if (issue !== undefined) errors[field] = issue.message;
    }
    setFieldErrors(errors);
    const policyIssues = error.issuesUnder('/statements');
    if (policyIssues.length > 0) {
      const spans = jsonSpans(policyText);
      setServerPolicyIssues({
        text: policyText,
        issues: policyIssues.map((i) =>
          locate(
            policyText,
            spans.ok ? spans.spans : new Map(),
            i.pointer.slice('/statements'.length),
            i.message,
          ),
        ),
      });
    }
    setFormError(error);
    focusFirstProblem();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(undefined);
    const errors: FieldErrors = {};
    if (values.name.trim() === '') errors.name = 'Give the integration a name, e.g. the room’s.';
    if (values.room.trim() === '') errors.room = 'Enter the room’s ID or its name.';
    if (existing === undefined && values.token === '') errors.token = 'Paste the room notification token.';
    setFieldErrors(errors);
    if (statements === undefined) {
      setFormError(new Error('The policy filter has errors (marked in the editor); fix them before saving.'));
    }
    if (Object.keys(errors).length > 0 || statements === undefined) {
      focusFirstProblem();
      return;
    }
    const trimmed = {
      ...values,
      name: values.name.trim(),
      room: values.room.trim(),
      server: values.server.trim(),
    };
    setSaving(true);
    try {
      if (existing === undefined) {
        onSaved(
          await api.hipchat.create({
            name: trimmed.name,
            on: true,
            config: {
              room: trimmed.room,
              token: trimmed.token,
              notify: trimmed.notify,
              ...(trimmed.server === '' ? {} : { server: trimmed.server }),
            },
            statements,
          }),
        );
      } else {
        const patch = editPatch(existing, trimmed, statements);
        onSaved(patch.length === 0 ? existing : await api.hipchat.update(existing._id, patch));
      }
    } catch (error) {
      showServerError(error);
    } finally {
      setSaving(false);
    }
  };

  const serverIssues = serverPolicyIssues?.text === policyText ? serverPolicyIssues.issues : [];
  return (
    <form
      ref={form}
      className="integration-form"
      onSubmit={submit}
      noValidate
      aria-label={existing === undefined ? 'Add a HipChat integration' : `Edit ${existing.name}`}
    >
      <div className="form-grid">
        <section className="panel" aria-labelledby={`${id}-where`}>
          <h3 id={`${id}-where`}>Where to post</h3>
          <Field label="Name" hint="Shown in this list and in the audit log." error={fieldErrors.name}>
            {(control) => (
              <input
                {...control}
                className="input"
                value={values.name}
                onChange={(e) => set('name', e.target.value)}
                placeholder="Ops room"
                autoComplete="off"
                maxLength={256}
              />
            )}
          </Field>
          <Field
            label="Room ID or name"
            hint="As HipChat shows it, e.g. 1234567 or Ops."
            error={fieldErrors.room}
          >
            {(control) => (
              <input
                {...control}
                className="input"
                value={values.room}
                onChange={(e) => set('room', e.target.value)}
                autoComplete="off"
                maxLength={100}
              />
            )}
          </Field>
          <Field
            label="Room notification token"
            hint={
              existing === undefined
                ? 'A token with the Send Notification scope (room settings → Tokens). Stored encrypted, never shown again.'
                : 'Leave empty to keep the stored token.'
            }
            error={fieldErrors.token}
          >
            {(control) => (
              <input
                {...control}
                className="input"
                type="password"
                value={values.token}
                onChange={(e) => set('token', e.target.value)}
                placeholder={existing === undefined ? '' : 'unchanged'}
                autoComplete="new-password"
                maxLength={256}
              />
            )}
          </Field>
          <Field
            label={
              <>
                HipChat Server URL <span className="optional">optional</span>
              </>
            }
            hint="Only for HipChat Server or Data Center; empty uses the server’s default."
            error={fieldErrors.server}
          >
            {(control) => (
              <input
                {...control}
                className="input"
                type="url"
                inputMode="url"
                value={values.server}
                onChange={(e) => set('server', e.target.value)}
                placeholder="https://hipchat.example.com"
                autoComplete="off"
              />
            )}
          </Field>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={values.notify}
              onChange={(e) => set('notify', e.target.checked)}
            />
            <span>
              Notify room members
              <span className="hint block">Messages make HipChat alert the people in the room.</span>
            </span>
          </label>
        </section>
        <section className="panel" aria-labelledby={`${id}-what`}>
          <h3 id={`${id}-what`}>What to send</h3>
          <PolicyEditor
            value={policyText}
            onChange={(text) => {
              setPolicyText(text);
              setFormError(undefined);
            }}
            check={check}
            serverIssues={serverIssues}
          />
          <PolicyPreview statements={statements} />
        </section>
      </div>
      <ErrorMessage error={formError} title={existing === undefined ? 'Not added.' : 'Not saved.'} />
      <div className="actions form-actions">
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Saving…' : existing === undefined ? 'Add integration' : 'Save changes'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
