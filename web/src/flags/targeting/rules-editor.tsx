import type { Flag, Segment } from '../../api-types';
import { ClauseList, newClause } from './clause-list';
import { ServeEditor } from './serve-editor';
import { type DraftProblem, type DraftRule, newId } from './targeting-draft';

interface RulesEditorProps {
  readonly flag: Flag;
  readonly rules: readonly DraftRule[];
  readonly segments: readonly Segment[];
  readonly disabled: boolean;
  readonly problems: readonly DraftProblem[];
  readonly onChange: (rules: readonly DraftRule[]) => void;
}

/** The problems under `pointer`, keyed by the field that follows it (`attribute`, `values`). */
function problemsAt(problems: readonly DraftProblem[], pointer: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const p of problems)
    if (p.pointer.startsWith(`${pointer}/`)) found[p.pointer.slice(pointer.length + 1)] = p.message;
  return found;
}

/** The flag's rules in order: each a description, clauses that must all match, and what it serves. */
export function RulesEditor({ flag, rules, segments, disabled, problems, onChange }: RulesEditorProps) {
  const setRule = (index: number, rule: DraftRule) => onChange(rules.map((r, i) => (i === index ? rule : r)));
  const move = (index: number, by: -1 | 1) => {
    const next = [...rules];
    const [rule] = next.splice(index, 1);
    if (rule !== undefined) next.splice(index + by, 0, rule);
    onChange(next);
  };
  return (
    <section className="targeting-section" aria-labelledby="rules-heading">
      <h3 id="rules-heading">Rules</h3>
      <p className="muted small">
        Checked top to bottom; the first rule whose clauses all match decides what is served.
      </p>
      {rules.length === 0 ? <p className="muted">No rules.</p> : null}
      <ol className="rule-list">
        {rules.map((rule, index) => {
          const label = `Rule ${index + 1}`;
          const ruleProblems = problemsAt(problems, `/rules/${index}`);
          return (
            <li key={rule._id} className="rule-card">
              <section aria-label={label}>
                <div className="rule-header">
                  <h4>{label}</h4>
                  <label className="rule-description">
                    <span className="visually-hidden">{label}: description</span>
                    <input
                      className="input"
                      placeholder="Description (optional), e.g. Beta testers"
                      value={rule.description ?? ''}
                      disabled={disabled}
                      maxLength={1024}
                      onChange={(e) => {
                        const { description: _d, ...rest } = rule;
                        setRule(
                          index,
                          e.target.value === '' ? rest : { ...rest, description: e.target.value },
                        );
                      }}
                    />
                  </label>
                  <div className="rule-actions">
                    <button
                      type="button"
                      className="button button-quiet button-small"
                      aria-label={`Move ${label.toLowerCase()} up`}
                      disabled={disabled || index === 0}
                      onClick={() => move(index, -1)}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      className="button button-quiet button-small"
                      aria-label={`Move ${label.toLowerCase()} down`}
                      disabled={disabled || index === rules.length - 1}
                      onClick={() => move(index, 1)}
                    >
                      ↓
                    </button>
                    <button
                      type="button"
                      className="button button-danger-quiet button-small"
                      aria-label={`Delete ${label.toLowerCase()}`}
                      disabled={disabled}
                      onClick={() => onChange(rules.filter((_, i) => i !== index))}
                    >
                      Delete
                    </button>
                  </div>
                </div>
                <ClauseList
                  clauses={rule.clauses}
                  label={label}
                  segments={segments}
                  disabled={disabled}
                  problemsOf={(c) => problemsAt(problems, `/rules/${index}/clauses/${c}`)}
                  onChange={(clauses) => setRule(index, { ...rule, clauses })}
                />
                <ServeEditor
                  flag={flag}
                  serve={rule}
                  label={label}
                  disabled={disabled}
                  onChange={(serve) => {
                    const { variation: _v, rollout: _r, ...rest } = rule;
                    setRule(index, { ...rest, ...serve });
                  }}
                />
                {ruleProblems['rollout/variations'] === undefined &&
                ruleProblems.variation === undefined ? null : (
                  <p className="field-error">
                    {ruleProblems['rollout/variations'] ?? ruleProblems.variation}
                  </p>
                )}
              </section>
            </li>
          );
        })}
      </ol>
      <button
        type="button"
        className="button"
        disabled={disabled}
        onClick={() =>
          onChange([...rules, { _id: newId(), clauses: [newClause()], variation: flag.defaults.onVariation }])
        }
      >
        Add rule
      </button>
    </section>
  );
}
