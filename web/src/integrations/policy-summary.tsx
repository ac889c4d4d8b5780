import type { PolicyStatement } from '../api-types';
import { policySnippets } from './policy-snippets';

const list = (value: unknown): string =>
  Array.isArray(value) ? value.map(String).join(', ') : String(value ?? '');

/** One line per statement: "allow updateOn on proj/*:env/production:flag/*". */
function statementText(statement: PolicyStatement): string {
  const effect = String(statement.effect ?? 'allow');
  const actions =
    statement.actions === undefined ? `all but ${list(statement.notActions)}` : list(statement.actions);
  const resources =
    statement.resources === undefined ? `all but ${list(statement.notResources)}` : list(statement.resources);
  return `${effect} ${actions === '*' ? 'every action' : actions} on ${resources}`;
}

/** What the integration sends, in words: a snippet's name when it is one, else its statements. */
export function PolicySummary({ statements }: { readonly statements: readonly PolicyStatement[] }) {
  const snippet = policySnippets.find((s) => JSON.stringify(s.statements) === JSON.stringify(statements));
  if (snippet !== undefined) {
    return (
      <p className="policy-summary">
        <span className="label">Sends</span> {snippet.label.toLowerCase()}
        <span className="muted"> — {snippet.description}</span>
      </p>
    );
  }
  return (
    <div className="policy-summary">
      <span className="label">Sends</span> changes matching:
      <ul>
        {statements.map((statement) => (
          <li key={JSON.stringify(statement)}>
            <code>{statementText(statement)}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}
