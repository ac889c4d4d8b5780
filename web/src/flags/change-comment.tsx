import { type Ref, useId } from 'react';

interface ChangeCommentProps {
  readonly value: string;
  readonly onChange: (comment: string) => void;
  /** The environment requires one (requireComments). */
  readonly required: boolean;
  /** Why the comment cannot go as it is (e.g. it is required and empty). */
  readonly error: string | undefined;
  /** Under the field: what happens to the comment. */
  readonly hint: string;
  readonly inputRef?: Ref<HTMLTextAreaElement>;
}

/**
 * The comment that goes with one change (into the audit log and the room): the targeting
 * editor's pending change and the on/off confirmation ask for it the same way.
 */
export function ChangeComment({ value, onChange, required, error, hint, inputRef }: ChangeCommentProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={`${id}-comment`}>Comment{required ? ' (required in this environment)' : ''}</label>
      <textarea
        id={`${id}-comment`}
        ref={inputRef}
        className="input"
        rows={2}
        maxLength={1000}
        value={value}
        required={required}
        aria-invalid={error === undefined ? undefined : true}
        aria-describedby={error === undefined ? `${id}-hint` : `${id}-hint ${id}-error`}
        placeholder="Why: shown in the audit log and the room"
        onChange={(e) => onChange(e.target.value)}
      />
      <p className="hint" id={`${id}-hint`}>
        {hint}
      </p>
      {error === undefined ? null : (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
