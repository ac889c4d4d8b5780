import type { Segment } from '../../api-types';
import { ClauseRow } from './clause-row';
import { type DraftClause, newId } from './targeting-draft';

interface ClauseListProps {
  readonly clauses: readonly DraftClause[];
  /** "Rule 1": names the list, its rows and its button. */
  readonly label: string;
  readonly segments: readonly Segment[];
  readonly disabled: boolean;
  /** The server's problems of clause `index`, keyed by field (`attribute`, `values`). */
  readonly problemsOf?: (index: number) => Record<string, string>;
  readonly onChange: (clauses: readonly DraftClause[]) => void;
}

export const newClause = (): DraftClause => ({
  _id: newId(),
  attribute: '',
  op: 'in',
  values: [],
  negate: false,
});

/** A rule's clauses (all must match), each editable and removable but the last, and *Add clause*. */
export function ClauseList({ clauses, label, segments, disabled, problemsOf, onChange }: ClauseListProps) {
  return (
    <>
      <ul className="clause-list" aria-label={`${label}: clauses (all must match)`}>
        {clauses.map((clause, c) => (
          <ClauseRow
            key={clause._id ?? c}
            clause={clause}
            label={`${label}, clause ${c + 1}`}
            segments={segments}
            disabled={disabled}
            problems={problemsOf?.(c) ?? {}}
            onChange={(changed) => onChange(clauses.map((x, i) => (i === c ? changed : x)))}
            onRemove={clauses.length === 1 ? undefined : () => onChange(clauses.filter((_, i) => i !== c))}
          />
        ))}
      </ul>
      <button
        type="button"
        className="button button-small"
        disabled={disabled}
        onClick={() => onChange([...clauses, newClause()])}
      >
        Add clause to {label.toLowerCase()}
      </button>
    </>
  );
}
