import type { Segment, SegmentRule } from '../api-types';
import { ClauseList, newClause } from '../flags/targeting/clause-list';
import { type DraftClause, newId } from '../flags/targeting/targeting-draft';

interface SegmentRulesProps {
  readonly rules: readonly SegmentRule[];
  readonly segments: readonly Segment[];
  readonly onChange: (rules: readonly SegmentRule[]) => void;
}

/** A segment's rules: a context is in the segment when every clause of any rule matches it. */
export function SegmentRules({ rules, segments, onChange }: SegmentRulesProps) {
  const setRule = (index: number, rule: SegmentRule) =>
    onChange(rules.map((r, i) => (i === index ? rule : r)));
  return (
    <section className="targeting-section" aria-labelledby="segment-rules-heading">
      <h2 id="segment-rules-heading">Rules</h2>
      <p className="muted small">A context matching every clause of any rule is in the segment.</p>
      <ol className="rule-list">
        {rules.map((rule, index) => {
          const label = `Rule ${index + 1}`;
          return (
            <li key={rule._id ?? index} className="rule-card">
              <section aria-label={label}>
                <div className="rule-header">
                  <h3>{label}</h3>
                  <label className="rule-description">
                    <span className="visually-hidden">{label}: description</span>
                    <input
                      className="input"
                      placeholder="Description (optional)"
                      value={rule.description ?? ''}
                      onChange={(e) => setRule(index, { ...rule, description: e.target.value })}
                    />
                  </label>
                  <button
                    type="button"
                    className="button button-danger-quiet button-small"
                    aria-label={`Delete ${label.toLowerCase()}`}
                    onClick={() => onChange(rules.filter((_, i) => i !== index))}
                  >
                    Delete
                  </button>
                </div>
                <ClauseList
                  clauses={rule.clauses as readonly DraftClause[]}
                  label={label}
                  segments={segments}
                  disabled={false}
                  onChange={(clauses) => setRule(index, { ...rule, clauses })}
                />
              </section>
            </li>
          );
        })}
      </ol>
      <button
        type="button"
        className="button"
        onClick={() => onChange([...rules, { _id: newId(), clauses: [newClause()] }])}
      >
        Add rule
      </button>
    </section>
  );
}
