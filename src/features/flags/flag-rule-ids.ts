/**
 * Rules and clauses a client adds through a JSON patch arrive without the fields the server owns,
 * as LaunchDarkly's REST API allows: each gets a generated `_id` (audit descriptions and the SDKs'
 * `ruleId` in evaluation reasons match rules by it), and a new flag rule does not track events
 * unless asked. Input is whatever the patch produced, so anything that is not the expected shape
 * is passed through untouched for the schema check to name with its pointer.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function withClauseIds(clauses: unknown, newId: () => string): unknown {
  if (!Array.isArray(clauses)) return clauses;
  return clauses.map((clause) =>
    isRecord(clause) && clause._id === undefined ? { _id: newId(), ...clause } : clause,
  );
}

/** Flag rules: `_id`, clause `_id`s and `trackEvents: false` where missing. */
export function withFlagRuleDefaults(rules: unknown, newId: () => string): unknown {
  if (!Array.isArray(rules)) return rules;
  return rules.map((rule) => {
    if (!isRecord(rule)) return rule;
    return {
      ...(rule._id === undefined ? { _id: newId() } : {}),
      ...rule,
      trackEvents: rule.trackEvents ?? false,
      ...(rule.clauses === undefined ? {} : { clauses: withClauseIds(rule.clauses, newId) }),
    };
  });
}
