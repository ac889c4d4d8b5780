import { useId, useState } from 'react';
import type { Segment } from '../../api-types';
import {
  type ClauseOperator,
  clauseOperators,
  type DraftClause,
  parseValues,
  valuesText,
} from './targeting-draft';

interface ClauseRowProps {
  readonly clause: DraftClause;
  /** "Rule 1, clause 2": names every control of the row. */
  readonly label: string;
  readonly segments: readonly Segment[];
  readonly disabled: boolean;
  readonly onChange: (clause: DraftClause) => void;
  readonly onRemove: (() => void) | undefined;
  readonly problems: Readonly<Record<string, string>>;
}

const hints: Partial<Record<ClauseOperator, string>> = {
  before: 'Dates as epoch milliseconds or ISO 8601, one per line',
  after: 'Dates as epoch milliseconds or ISO 8601, one per line',
  matches: 'Regular expressions, one per line',
  segmentMatch: 'Segment keys, one per line',
};

/** One condition of a rule: context kind, attribute, operator (negated or not) and values. */
export function ClauseRow({
  clause,
  label,
  segments,
  disabled,
  onChange,
  onRemove,
  problems,
}: ClauseRowProps) {
  const id = useId();
  // The text as typed; the clause holds the parsed values (numbers for numeric operators).
  const [text, setText] = useState(() => valuesText(clause.values));
  const segment = clause.op === 'segmentMatch';
  const setOp = (op: ClauseOperator) =>
    onChange({
      ...clause,
      op,
      ...(op === 'segmentMatch' ? { attribute: 'segmentMatch' } : {}),
      values: parseValues(op, text),
    });
  const attributeError = problems.attribute;
  const valuesError = problems.values;
  return (
    <li className="clause">
      <div className="clause-fields">
        {segment ? null : (
          <label className="clause-kind">
            <span>Context kind</span>
            <input
              className="input"
              aria-label={`${label}: context kind`}
              value={clause.contextKind ?? ''}
              placeholder="user"
              disabled={disabled}
              onChange={(e) => {
                const { contextKind: _k, ...rest } = clause;
                onChange(e.target.value === '' ? rest : { ...rest, contextKind: e.target.value });
              }}
            />
          </label>
        )}
        {segment ? null : (
          <label className="clause-attribute">
            <span>Attribute</span>
            <input
              className="input"
              aria-label={`${label}: attribute`}
              aria-invalid={attributeError === undefined ? undefined : true}
              aria-describedby={attributeError === undefined ? undefined : `${id}-attribute-error`}
              value={clause.attribute}
              placeholder="email"
              disabled={disabled}
              onChange={(e) => onChange({ ...clause, attribute: e.target.value })}
            />
          </label>
        )}
        <label className="clause-negate checkbox">
          <input
            type="checkbox"
            checked={clause.negate}
            disabled={disabled}
            aria-label={`${label}: not`}
            onChange={(e) => onChange({ ...clause, negate: e.target.checked })}
          />
          <span>not</span>
        </label>
        <label className="clause-op">
          <span>Operator</span>
          <select
            className="input"
            aria-label={`${label}: operator`}
            value={clause.op}
            disabled={disabled}
            onChange={(e) => setOp(e.target.value as ClauseOperator)}
          >
            {clauseOperators.map(([op, text]) => (
              <option key={op} value={op}>
                {text}
              </option>
            ))}
          </select>
        </label>
        <label className="clause-values">
          <span>{segment ? 'Segments' : 'Values'}</span>
          <textarea
            className="input"
            rows={Math.min(6, Math.max(1, text.split('\n').length))}
            aria-label={`${label}: ${segment ? 'segment keys' : 'values'}, one per line`}
            aria-invalid={valuesError === undefined ? undefined : true}
            aria-describedby={`${id}-values-hint${valuesError === undefined ? '' : ` ${id}-values-error`}`}
            value={text}
            disabled={disabled}
            onChange={(e) => {
              setText(e.target.value);
              onChange({ ...clause, values: parseValues(clause.op, e.target.value) });
            }}
          />
          <span className="hint" id={`${id}-values-hint`}>
            {hints[clause.op] ?? 'One per line'}
            {segment && segments.length > 0
              ? `: ${segments.map((s) => `${s.key}${s.name === s.key ? '' : ` (${s.name})`}`).join(', ')}`
              : ''}
          </span>
        </label>
        {onRemove === undefined ? null : (
          <button
            type="button"
            className="button button-quiet button-small clause-remove"
            aria-label={`Remove ${label.toLowerCase()}`}
            disabled={disabled}
            onClick={onRemove}
          >
            Remove
          </button>
        )}
      </div>
      {attributeError === undefined ? null : (
        <p className="field-error" id={`${id}-attribute-error`}>
          {attributeError}
        </p>
      )}
      {valuesError === undefined ? null : (
        <p className="field-error" id={`${id}-values-error`}>
          {valuesError}
        </p>
      )}
    </li>
  );
}
