import { useId } from 'react';
import { ApiError, messageOf } from '../../api';
import type { AuditEntry } from '../../api-types';
import { JsonDiff } from '../../ui/json-diff';
import { RelativeTime } from '../../ui/relative-time';
import { ChangeComment } from '../change-comment';

/** Who changed the targeting since the editor loaded it, when the save was refused for that. */
export interface Conflict {
  readonly latest: AuditEntry | undefined;
}

interface PendingChangeProps {
  readonly before: unknown;
  readonly after: unknown;
  readonly envName: string;
  readonly comment: string;
  readonly onComment: (comment: string) => void;
  readonly commentRequired: boolean;
  readonly commentError: string | undefined;
  readonly blocked: string | undefined;
  readonly saving: boolean;
  readonly error: unknown;
  readonly conflict: Conflict | undefined;
  readonly onSave: () => void;
  readonly onDiscard: () => void;
  readonly onReload: () => void;
}

export function changedBy(entry: AuditEntry | undefined): string {
  if (entry === undefined) return 'someone';
  const member = entry.member;
  if (member === undefined) return entry.token === undefined ? 'someone' : `the token ${entry.token.name}`;
  const name = `${member.firstName ?? ''} ${member.lastName ?? ''}`.trim();
  return name === '' ? member.email : `${name} (${member.email})`;
}

/**
 * The change about to be saved, before → after (the audit log's renderer), with the comment that
 * goes with it; or, when someone else saved first, who and when, and a way to start again from theirs.
 */
export function PendingChange(props: PendingChangeProps) {
  const id = useId();
  const { conflict, error } = props;
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <section className="card pending-change" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Pending change in {props.envName}</h2>
      <JsonDiff before={props.before} after={props.after} />
      {conflict === undefined ? null : (
        <div className="alert alert-error" role="alert">
          <strong>Not saved: the targeting was changed by {changedBy(conflict.latest)} </strong>
          {conflict.latest === undefined ? null : (
            <>
              (<RelativeTime at={conflict.latest.date} />){' '}
            </>
          )}
          since you opened it. Reload to see their change, then make yours again.{' '}
          <button type="button" className="button button-small" onClick={props.onReload}>
            Reload
          </button>
        </div>
      )}
      {error === undefined || conflict !== undefined ? null : (
        <div className="alert alert-error" role="alert">
          <strong>Not saved. </strong>
          {messageOf(error)}
          {issues.length === 0 ? null : (
            <ul>
              {issues.map((issue) => (
                <li key={`${issue.pointer}:${issue.message}`}>
                  <code>{issue.pointer}</code> {issue.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <ChangeComment
        value={props.comment}
        onChange={props.onComment}
        required={props.commentRequired}
        error={props.commentError}
        hint="Saved as one change, with this comment."
      />
      {props.blocked === undefined ? null : <p className="field-error">{props.blocked}</p>}
      <div className="actions">
        <button type="button" className="button" onClick={props.onDiscard} disabled={props.saving}>
          Discard changes
        </button>
        <button
          type="button"
          className="button button-primary"
          onClick={props.onSave}
          disabled={props.saving || props.blocked !== undefined || conflict !== undefined}
        >
          {props.saving ? 'Saving…' : 'Save changes'}
        </button>
      </div>
    </section>
  );
}
