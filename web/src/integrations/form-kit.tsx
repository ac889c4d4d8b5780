import { type ReactNode, useId, useMemo, useRef, useState } from 'react';
import { ApiError } from '../api';
import type { JsonPatchOperation, PolicyStatement } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { jsonSpans } from './json-spans';
import { checkPolicyText, type LocatedIssue, locate, type PolicyCheck } from './policy-check';
import { PolicyEditor } from './policy-editor';
import { PolicyPreview } from './policy-preview';
import { formatPolicy } from './policy-snippets';

/** What the API answers in place of a stored secret; sending it back keeps the secret. */
export const secretMask = '********';

/** The props of every kind's add/edit form. */
export interface FormProps<T> {
  /** The integration to edit; absent to add one. */
  readonly existing?: T;
  readonly onSaved: (saved: T) => void;
  readonly onCancel: () => void;
}

/** The patch for what every kind shares: the name and the policy filter. */
export function commonPatch(
  existing: { readonly name: string; readonly statements: readonly PolicyStatement[] },
  name: string,
  statements: readonly PolicyStatement[],
): JsonPatchOperation[] {
  const patch: JsonPatchOperation[] = [];
  if (name !== existing.name) patch.push({ op: 'replace', path: '/name', value: name });
  if (JSON.stringify(statements) !== JSON.stringify(existing.statements))
    patch.push({ op: 'replace', path: '/statements', value: statements });
  return patch;
}

export const nameError = (name: string, example: string) =>
  name.trim() === '' ? `Give the integration a name, e.g. ${example}.` : undefined;

/**
 * What every add/edit form shares, whatever the kind: the policy filter checked as you type, field
 * errors (ours, then the server's by JSON pointer), the form-level error, saving, and focus on the
 * first problem.
 */
export interface IntegrationFormState<F extends string, V extends object> {
  /** The kind's own fields. */
  readonly values: V;
  /** Sets a field; its error (and the form's) goes away. */
  readonly set: <K extends keyof V>(name: K, value: V[K]) => void;
  readonly formRef: React.RefObject<HTMLFormElement | null>;
  readonly policyText: string;
  readonly setPolicyText: (text: string) => void;
  readonly check: PolicyCheck;
  readonly statements: readonly PolicyStatement[] | undefined;
  readonly serverIssues: readonly LocatedIssue[];
  readonly fieldErrors: Partial<Record<F, string>>;
  readonly formError: unknown;
  readonly saving: boolean;
  /** Our own checks first (`errors`), then `save` with the valid statements; the server's refusal is shown. */
  readonly submit: (
    errors: Partial<Record<F, string>>,
    save: (statements: readonly PolicyStatement[]) => Promise<void>,
  ) => Promise<void>;
}

export function useIntegrationForm<F extends string, V extends object>(
  initialStatements: readonly PolicyStatement[] | undefined,
  /** Where the server reports each field's problems, e.g. `{ url: '/config/url' }`. */
  pointers: Readonly<Record<F, string>>,
  initialValues: V,
): IntegrationFormState<F, V> {
  const [values, setValues] = useState(initialValues);
  const [policyText, setPolicy] = useState(
    initialStatements === undefined ? '' : formatPolicy(initialStatements),
  );
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<F, string>>>({});
  const [serverPolicyIssues, setServerPolicyIssues] = useState<{ text: string; issues: LocatedIssue[] }>();
  const [formError, setFormError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const check = useMemo(() => checkPolicyText(policyText), [policyText]);
  const statements = check.kind === 'ok' ? check.statements : undefined;

  const focusFirstProblem = () => {
    requestAnimationFrame(() =>
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
    );
  };

  const showServerError = (error: unknown) => {
    if (!(error instanceof ApiError)) {
      setFormError(error);
      return;
    }
    const errors: Partial<Record<F, string>> = {};
    for (const [field, pointer] of Object.entries(pointers) as [F, string][]) {
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

  const touched = (field?: F) => {
    setFormError(undefined);
    if (field !== undefined && fieldErrors[field] !== undefined)
      setFieldErrors((e) => ({ ...e, [field]: undefined }));
  };

  return {
    values,
    set: (name, value) => {
      setValues((v) => ({ ...v, [name]: value }));
      touched(name in pointers ? (name as unknown as F) : undefined);
    },
    formRef,
    policyText,
    setPolicyText: (text) => {
      setPolicy(text);
      setFormError(undefined);
    },
    check,
    statements,
    serverIssues: serverPolicyIssues?.text === policyText ? serverPolicyIssues.issues : [],
    fieldErrors,
    formError,
    saving,
    submit: async (errors, save) => {
      setFormError(undefined);
      const present = Object.fromEntries(
        Object.entries(errors).filter(([, message]) => message !== undefined),
      ) as Partial<Record<F, string>>;
      setFieldErrors(present);
      if (statements === undefined) {
        setFormError(
          new Error('The policy filter has errors (marked in the editor); fix them before saving.'),
        );
      }
      if (Object.keys(present).length > 0 || statements === undefined) {
        focusFirstProblem();
        return;
      }
      setSaving(true);
      try {
        await save(statements);
      } catch (error) {
        showServerError(error);
      } finally {
        setSaving(false);
      }
    },
  };
}

/**
 * The form around the two panels: "Where to post" (the name, then the kind's own fields) and
 * "What to send" (the filter). Labelled "Add <noun>" or "Edit <name>".
 */
export function IntegrationFormFrame<F extends string, V extends { readonly name: string }>({
  form,
  noun,
  existingName,
  namePlaceholder,
  addLabel = 'Add integration',
  where = 'Where to post',
  onSubmit,
  onCancel,
  children,
}: {
  readonly form: IntegrationFormState<F, V>;
  /** What is added, e.g. "a Slack integration". */
  readonly noun: string;
  /** The name of the one edited; absent when adding. */
  readonly existingName: string | undefined;
  readonly namePlaceholder: string;
  readonly addLabel?: string;
  readonly where?: string;
  readonly onSubmit: () => Promise<void>;
  readonly onCancel: () => void;
  readonly children: ReactNode;
}) {
  const id = useId();
  const isNew = existingName === undefined;
  return (
    <form
      ref={form.formRef}
      className="integration-form"
      onSubmit={(event) => {
        event.preventDefault();
        void onSubmit();
      }}
      noValidate
      aria-label={isNew ? `Add ${noun}` : `Edit ${existingName}`}
    >
      <div className="form-grid">
        <section className="panel" aria-labelledby={`${id}-where`}>
          <h2 id={`${id}-where`}>{where}</h2>
          <NameField
            value={form.values.name}
            error={(form.fieldErrors as Partial<Record<string, string>>).name}
            placeholder={namePlaceholder}
            onChange={(v) => form.set('name', v as V['name'])}
          />
          {children}
        </section>
        <section className="panel" aria-labelledby={`${id}-what`}>
          <h2 id={`${id}-what`}>What to send</h2>
          <PolicyEditor
            value={form.policyText}
            onChange={form.setPolicyText}
            check={form.check}
            serverIssues={form.serverIssues}
          />
          <PolicyPreview statements={form.statements} />
        </section>
      </div>
      <ErrorMessage error={form.formError} title={isNew ? 'Not added.' : 'Not saved.'} />
      <div className="actions form-actions">
        <button type="submit" className="button button-primary" disabled={form.saving}>
          {form.saving ? 'Saving…' : isNew ? addLabel : 'Save changes'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A secret (URL or token): a password field; when editing it stays empty, "unchanged". */
export function SecretField({
  label,
  hint,
  isNew,
  value,
  error,
  placeholder,
  onChange,
}: {
  readonly label: string;
  readonly hint: string;
  readonly isNew: boolean;
  readonly value: string;
  readonly error: string | undefined;
  readonly placeholder?: string;
  readonly onChange: (value: string) => void;
}) {
  return (
    <Field label={label} hint={isNew ? hint : 'Leave empty to keep the stored one.'} error={error}>
      {(control) => (
        <input
          {...control}
          className="input"
          type="password"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={isNew ? placeholder : 'unchanged'}
          autoComplete="new-password"
          spellCheck={false}
          maxLength={2048}
        />
      )}
    </Field>
  );
}

/** The optional Handlebars message template; the server checks it on save (its error shows here). */
export function TemplateField({
  value,
  error,
  onChange,
}: {
  readonly value: string;
  readonly error: string | undefined;
  readonly onChange: (value: string) => void;
}) {
  return (
    <Field
      label={
        <>
          Message template <span className="optional">optional</span>
        </>
      }
      hint="Handlebars, e.g. {{title.plainText}} by {{member.displayName}}. Empty uses the built-in message. Checked when saved."
      error={error}
    >
      {(control) => (
        <textarea
          {...control}
          className="input code-input template-input"
          rows={5}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          spellCheck={false}
          maxLength={20_000}
        />
      )}
    </Field>
  );
}

function NameField({
  value,
  error,
  placeholder,
  onChange,
}: {
  readonly value: string;
  readonly error: string | undefined;
  readonly placeholder: string;
  readonly onChange: (value: string) => void;
}) {
  return (
    <Field label="Name" hint="Shown in this list and in the audit log." error={error}>
      {(control) => (
        <input
          {...control}
          className="input"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={placeholder}
          autoComplete="off"
          maxLength={256}
        />
      )}
    </Field>
  );
}
