import { useState } from 'react';
import { ApiError, api } from '../api';
import type { JsonPatchOperation, Segment, SegmentRule } from '../api-types';
import { parseKeys } from '../flags/targeting/targeting-draft';
import { navigate, paths } from '../router';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorMessage } from '../ui/error-message';
import { Field } from '../ui/field';
import { Link } from '../ui/link';
import { SegmentRules } from './segment-rules';

interface SegmentDetailProps {
  readonly projectKey: string;
  readonly envKey: string;
  readonly segment: Segment;
  readonly segments: readonly Segment[];
  readonly onSaved: (segment: Segment) => void;
  readonly onDeleted: () => void;
}

/** One segment: its name, the keys it includes and excludes (pasted many at once), its rules. */
export function SegmentDetail({
  projectKey,
  envKey,
  segment,
  segments,
  onSaved,
  onDeleted,
}: SegmentDetailProps) {
  const [name, setName] = useState(segment.name);
  const [description, setDescription] = useState(segment.description ?? '');
  const [included, setIncluded] = useState((segment.included ?? []).join('\n'));
  const [excluded, setExcluded] = useState((segment.excluded ?? []).join('\n'));
  const [rules, setRules] = useState<readonly SegmentRule[]>(segment.rules ?? []);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const patch: JsonPatchOperation[] = [];
  const replace = (field: string, now: unknown, was: unknown) => {
    if (JSON.stringify(now) !== JSON.stringify(was))
      patch.push({ op: 'replace', path: `/${field}`, value: now });
  };
  replace('name', name.trim(), segment.name);
  replace('description', description, segment.description ?? '');
  replace('included', parseKeys(included), segment.included ?? []);
  replace('excluded', parseKeys(excluded), segment.excluded ?? []);
  replace('rules', rules, segment.rules ?? []);

  const save = async () => {
    setError(undefined);
    try {
      const test: JsonPatchOperation[] =
        segment._version === undefined ? [] : [{ op: 'test', path: '/_version', value: segment._version }];
      const updated = await api.segments.update(
        projectKey,
        envKey,
        segment.key,
        [...test, ...patch],
        comment,
      );
      // What the server stored (with its ids and defaults) is the new starting point.
      setName(updated.name);
      setDescription(updated.description ?? '');
      setIncluded((updated.included ?? []).join('\n'));
      setExcluded((updated.excluded ?? []).join('\n'));
      setRules(updated.rules ?? []);
      setComment('');
      setSaved(true);
      onSaved(updated);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 409
          ? new Error(
              'Someone changed this segment since you opened it: reload the page and make your change again.',
            )
          : e,
      );
    }
  };

  const edit =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      setSaved(false);
      set(v);
    };

  return (
    <>
      <header className="detail-header">
        <div>
          <h1>{segment.name}</h1>
          <p className="muted">
            <code>{segment.key}</code> ·{' '}
            <Link to={paths.audit({ spec: `proj/${projectKey}:env/${envKey}:segment/${segment.key}` })}>
              History
            </Link>
          </p>
        </div>
        <div className="actions">
          <button type="button" className="button button-danger-quiet" onClick={() => setDeleting(true)}>
            Delete segment
          </button>
        </div>
      </header>
      <div className="card segment-form">
        <Field label="Name">
          {(control) => (
            <input
              {...control}
              className="input"
              value={name}
              onChange={(e) => edit(setName)(e.target.value)}
            />
          )}
        </Field>
        <Field label="Description">
          {(control) => (
            <input
              {...control}
              className="input"
              value={description}
              onChange={(e) => edit(setDescription)(e.target.value)}
            />
          )}
        </Field>
        <div className="form-row">
          <KeysField
            label="Included user keys"
            hint="Paste many: lines, commas or spaces"
            value={included}
            onChange={edit(setIncluded)}
          />
          <KeysField
            label="Excluded user keys"
            hint="Excluded wins over rules"
            value={excluded}
            onChange={edit(setExcluded)}
          />
        </div>
        <SegmentRules rules={rules} segments={segments} onChange={edit(setRules)} />
      </div>
      {patch.length === 0 ? null : (
        <section className="card pending-change" aria-label="Unsaved segment changes">
          <Field label="Comment for this change">
            {(control) => (
              <input
                {...control}
                className="input"
                value={comment}
                onChange={(e) => setComment(e.target.value)}
              />
            )}
          </Field>
          <ErrorMessage error={error} title="Not saved." />
          <div className="actions">
            <button type="button" className="button button-primary" onClick={() => void save()}>
              Save segment
            </button>
          </div>
        </section>
      )}
      {saved && patch.length === 0 ? (
        <p className="alert alert-success" role="status">
          Saved the segment.
        </p>
      ) : null}
      <ConfirmDialog
        open={deleting}
        title={`Delete the segment ${segment.name}?`}
        confirmLabel="Delete segment"
        onConfirm={() => {
          setDeleting(false);
          api.segments.remove(projectKey, envKey, segment.key).then(() => {
            onDeleted();
            navigate(paths.segments(projectKey, envKey));
          }, setError);
        }}
        onCancel={() => setDeleting(false)}
      >
        <p>Flag rules that match this segment will no longer match anyone through it.</p>
      </ConfirmDialog>
    </>
  );
}

/** A list of context keys pasted many at once, its label counting them. */
function KeysField(props: {
  readonly label: string;
  readonly hint: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
}) {
  return (
    <Field label={`${props.label} (${parseKeys(props.value).length})`} hint={props.hint} className="grow">
      {(control) => (
        <textarea
          {...control}
          className="input mono"
          rows={5}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
