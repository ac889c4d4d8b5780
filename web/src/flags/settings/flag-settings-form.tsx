import { useCallback, useEffect, useId, useState } from 'react';
import { ApiError, api } from '../../api';
import type { Flag, JsonPatchOperation } from '../../api-types';
import { ErrorMessage } from '../../ui/error-message';
import { Field } from '../../ui/field';
import { usePolled } from '../../ui/use-polled';
import { changedBy } from '../targeting/pending-change';
import type { WriteAccess } from '../use-write-access';

interface FlagSettingsFormProps {
  readonly projectKey: string;
  readonly flag: Flag;
  readonly access: WriteAccess;
  readonly onSaved: (flag: Flag) => void;
}

interface Values {
  readonly name: string;
  readonly description: string;
  readonly tags: string;
  readonly temporary: boolean;
  readonly maintainerId: string;
  readonly usingEnvironmentId: boolean;
  readonly usingMobileKey: boolean;
}

const valuesOf = (flag: Flag): Values => ({
  name: flag.name,
  description: flag.description,
  tags: flag.tags.join(', '),
  temporary: flag.temporary,
  maintainerId: flag.maintainerId ?? '',
  usingEnvironmentId: flag.clientSideAvailability?.usingEnvironmentId ?? false,
  usingMobileKey: flag.clientSideAvailability?.usingMobileKey ?? false,
});

const tagList = (text: string): string[] => [
  ...new Set(
    text
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
  ),
];

/** The JSON Patch for what changed, after a test of the flag's version (no silent overwrite). */
function settingsPatch(flag: Flag, version: number, was: Values, now: Values): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  if (now.name !== was.name) ops.push({ op: 'replace', path: '/name', value: now.name.trim() });
  if (now.description !== was.description)
    ops.push({ op: 'replace', path: '/description', value: now.description });
  if (JSON.stringify(tagList(now.tags)) !== JSON.stringify(tagList(was.tags)))
    ops.push({ op: 'replace', path: '/tags', value: tagList(now.tags) });
  if (now.temporary !== was.temporary) ops.push({ op: 'replace', path: '/temporary', value: now.temporary });
  if (now.maintainerId !== was.maintainerId)
    ops.push(
      now.maintainerId === ''
        ? { op: 'remove', path: '/maintainerId' }
        : {
            op: flag.maintainerId === undefined ? 'add' : 'replace',
            path: '/maintainerId',
            value: now.maintainerId,
          },
    );
  if (now.usingEnvironmentId !== was.usingEnvironmentId || now.usingMobileKey !== was.usingMobileKey)
    ops.push({
      op: 'replace',
      path: '/clientSideAvailability',
      value: { usingEnvironmentId: now.usingEnvironmentId, usingMobileKey: now.usingMobileKey },
    });
  return ops.length === 0 ? [] : [{ op: 'test', path: '/_version', value: version }, ...ops];
}

/** Name, description, tags, lifetime, maintainer and client-side availability, saved as one change. */
export function FlagSettingsForm({ projectKey, flag, access, onSaved }: FlagSettingsFormProps) {
  const id = useId();
  const [opened, setOpened] = useState(() => ({ version: flag._version, values: valuesOf(flag) }));
  const [values, setValues] = useState(opened.values);
  const [comment, setComment] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const [conflict, setConflict] = useState<string>();
  const [saved, setSaved] = useState(false);
  const loadMembers = useCallback(() => api.members.list(), []);
  const members = usePolled('members', loadMembers);
  const readOnly = access.kind !== 'writable';
  const patch = settingsPatch(flag, opened.version, opened.values, values);
  const dirty = patch.length > 0;

  const restart = useCallback((from: Flag) => {
    const fresh = valuesOf(from);
    setOpened({ version: from._version, values: fresh });
    setValues(fresh);
    setConflict(undefined);
    setError(undefined);
  }, []);
  useEffect(() => {
    if (!dirty && flag._version !== opened.version) restart(flag);
  }, [dirty, flag, opened.version, restart]);

  const set = <K extends keyof Values>(name: K, value: Values[K]) => {
    setSaved(false);
    setValues((v) => ({ ...v, [name]: value }));
  };
  const nameError = values.name.trim() === '' ? 'Give the flag a name.' : undefined;

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    if (nameError !== undefined || !dirty) return;
    setSaving(true);
    setError(undefined);
    try {
      const updated = await api.flags.patch(projectKey, flag.key, patch, comment);
      restart(updated);
      setComment('');
      setSaved(true);
      onSaved(updated);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        const spec = `proj/${projectKey}:env/*:flag/${flag.key}`;
        const latest = await api.auditLog.list({ spec, limit: 1 }).then(
          (page) => page.items[0],
          () => undefined,
        );
        setConflict(changedBy(latest));
      } else setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Settings</h2>
      {access.kind === 'read-only' ? (
        <p className="alert alert-info" role="note">
          <strong>Read only. </strong>
          {access.reason}
        </p>
      ) : null}
      <form onSubmit={(e) => void save(e)} className="flag-settings-form">
        <fieldset disabled={readOnly} className="plain-fieldset">
          <legend className="visually-hidden">Flag settings</legend>
          <Field label="Name" error={nameError}>
            {(control) => (
              <input
                {...control}
                className="input"
                value={values.name}
                maxLength={256}
                onChange={(e) => set('name', e.target.value)}
              />
            )}
          </Field>
          <Field label="Description">
            {(control) => (
              <textarea
                {...control}
                className="input"
                rows={2}
                value={values.description}
                maxLength={4096}
                onChange={(e) => set('description', e.target.value)}
              />
            )}
          </Field>
          <Field label="Tags" hint="Separated by commas">
            {(control) => (
              <input
                {...control}
                className="input"
                value={values.tags}
                onChange={(e) => set('tags', e.target.value)}
              />
            )}
          </Field>
          <Field label="Maintainer">
            {(control) => (
              <select
                {...control}
                className="input"
                value={values.maintainerId}
                onChange={(e) => set('maintainerId', e.target.value)}
              >
                <option value="">No maintainer</option>
                {(members.data?.items ?? []).map((m) => (
                  <option key={m._id} value={m._id}>
                    {`${m.firstName} ${m.lastName}`.trim() || m.email}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={values.temporary}
              onChange={(e) => set('temporary', e.target.checked)}
            />
            <span>Temporary (a release flag, to be removed once rolled out)</span>
          </label>
          <fieldset className="plain-fieldset">
            <legend>Client-side availability</legend>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={values.usingEnvironmentId}
                onChange={(e) => set('usingEnvironmentId', e.target.checked)}
              />
              <span>SDKs using the client-side ID (browsers)</span>
            </label>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={values.usingMobileKey}
                onChange={(e) => set('usingMobileKey', e.target.checked)}
              />
              <span>SDKs using a mobile key</span>
            </label>
          </fieldset>
          <Field label="Comment for this change">
            {(control) => (
              <input
                {...control}
                className="input"
                value={comment}
                maxLength={1000}
                placeholder="Why? Shown in the audit log and the room"
                onChange={(e) => setComment(e.target.value)}
              />
            )}
          </Field>
        </fieldset>
        {conflict === undefined ? null : (
          <div className="alert alert-error" role="alert">
            <strong>Not saved: the flag was changed by {conflict} since you opened it. </strong>
            Reload to see their change.{' '}
            <button
              type="button"
              className="button button-small"
              onClick={() =>
                void api.flags.get(projectKey, flag.key).then((f) => {
                  restart(f);
                  onSaved(f);
                }, setError)
              }
            >
              Reload
            </button>
          </div>
        )}
        <ErrorMessage error={error} title="Not saved." />
        {saved && !dirty ? (
          <p className="alert alert-success" role="status">
            Saved the settings.
          </p>
        ) : null}
        <div className="actions">
          <button type="button" className="button" disabled={!dirty || saving} onClick={() => restart(flag)}>
            Discard changes
          </button>
          <button type="submit" className="button button-primary" disabled={readOnly || !dirty || saving}>
            {saving ? 'Saving…' : 'Save settings'}
          </button>
        </div>
      </form>
    </section>
  );
}
