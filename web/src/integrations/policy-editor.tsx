import { type ReactNode, useId, useRef } from 'react';
import type { Span } from './json-spans';
import type { LocatedIssue, PolicyCheck } from './policy-check';
import { formatPolicy, type PolicySnippet, policySnippets } from './policy-snippets';

/** What the editor says around the JSON: an integration's filter by default, or a role's policy. */
export interface PolicyEditorTexts {
  readonly legend: ReactNode;
  readonly hint: ReactNode;
  readonly label: string;
  readonly placeholder: string;
  /** Shown when the policy is valid and empty. */
  readonly empty: string;
  readonly snippets: readonly PolicySnippet[];
}

const filterTexts: PolicyEditorTexts = {
  legend: (
    <>
      Policy filter <span className="optional">optional</span>
    </>
  ),
  hint: (
    <>
      Which changes reach the room, in the custom-roles syntax (e.g. resources{' '}
      <code>proj/*:env/production:flag/*</code>, actions <code>updateOn</code>). An empty list sends every
      change.
    </>
  ),
  label: 'Policy filter (JSON)',
  placeholder: 'Empty: every change is sent.\nStart from a snippet, or write statements as JSON.',
  empty: 'Valid: no filter, every change is sent.',
  snippets: policySnippets,
};

interface PolicyEditorProps {
  readonly texts?: PolicyEditorTexts;
  readonly value: string;
  readonly onChange: (text: string) => void;
  /** `checkPolicyText(value)`, computed by the form so it can refuse to save an invalid policy. */
  readonly check: PolicyCheck;
  /** Problems the server found that the browser did not (pointers into the statements array). */
  readonly serverIssues: readonly LocatedIssue[];
}

interface Mark {
  readonly span: Span;
  readonly className: string;
}

/** The text with its marked ranges, for the backdrop behind the (transparent) textarea. */
function highlight(text: string, marks: readonly Mark[]): ReactNode[] {
  const cuts = new Set([0, text.length]);
  for (const { span } of marks) {
    cuts.add(Math.max(0, Math.min(text.length, span.start)));
    cuts.add(Math.max(0, Math.min(text.length, span.end)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: ReactNode[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i] ?? 0;
    const end = points[i + 1] ?? 0;
    const piece = text.slice(start, end);
    const classes = marks.filter((m) => m.span.start <= start && m.span.end >= end).map((m) => m.className);
    out.push(
      classes.length === 0 ? (
        piece
      ) : (
        <mark key={start} className={[...new Set(classes)].join(' ')}>
          {piece}
        </mark>
      ),
    );
  }
  return out;
}

function marksOf(check: PolicyCheck, serverIssues: readonly LocatedIssue[]): Mark[] {
  if (check.kind === 'syntax') return [{ span: check.span, className: 'hl-issue' }];
  const marks: Mark[] = [];
  const errors = check.kind === 'invalid' ? [...check.errors, ...serverIssues] : serverIssues;
  for (const issue of check.warnings)
    if (issue.span !== undefined) marks.push({ span: issue.span, className: 'hl-warning' });
  for (const issue of errors) {
    if (issue.span !== undefined && issue.span !== issue.statementSpan)
      marks.push({ span: issue.span, className: 'hl-issue' });
  }
  return marks;
}

/** The lines of each statement with an error: shaded across the editor's width, with a bar in the margin. */
function bandsOf(
  text: string,
  check: PolicyCheck,
  serverIssues: readonly LocatedIssue[],
): { first: number; count: number }[] {
  if (check.kind === 'syntax') return [];
  const errors = check.kind === 'invalid' ? [...check.errors, ...serverIssues] : serverIssues;
  const spans = new Map<number, Span>();
  for (const issue of errors)
    if (issue.statementSpan !== undefined) spans.set(issue.statementSpan.start, issue.statementSpan);
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  return [...spans.values()].map((span) => {
    const first = lineOf(span.start);
    return { first, count: lineOf(span.end) - first + 1 };
  });
}

/**
 * The policy filter as JSON, validated as you type with the server's own rules: the offending
 * statement is shaded, the offending value underlined, and each message says where and why.
 */
export function PolicyEditor({
  value,
  onChange,
  check,
  serverIssues,
  texts = filterTexts,
}: PolicyEditorProps) {
  const id = useId();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const backdrop = useRef<HTMLPreElement>(null);
  const errors =
    check.kind === 'invalid' ? [...check.errors, ...serverIssues] : check.kind === 'ok' ? serverIssues : [];
  const warnings = check.kind === 'syntax' ? [] : check.warnings;
  const invalid = check.kind === 'syntax' || errors.length > 0;
  const lines = value.split('\n').length;

  const syncScroll = () => {
    if (textarea.current === null || backdrop.current === null) return;
    backdrop.current.scrollTop = textarea.current.scrollTop;
    backdrop.current.scrollLeft = textarea.current.scrollLeft;
  };

  const select = (span: Span | undefined) => {
    const area = textarea.current;
    if (area === null || span === undefined) return;
    area.focus();
    area.setSelectionRange(span.start, span.end);
    const lineHeight = Number.parseFloat(getComputedStyle(area).lineHeight) || 20;
    const line = value.slice(0, span.start).split('\n').length;
    area.scrollTop = Math.max(0, (line - 3) * lineHeight);
    syncScroll();
  };

  const statementCount = check.kind === 'ok' ? check.statements.length : 0;
  return (
    <fieldset className="policy-editor">
      <legend>{texts.legend}</legend>
      <p className="hint" id={`${id}-hint`}>
        {texts.hint}
      </p>
      <fieldset className="snippets">
        <legend className="snippets-label">Start from a snippet</legend>
        {texts.snippets.map((snippet) => (
          <button
            type="button"
            key={snippet.label}
            className="chip"
            title={snippet.description}
            onClick={() => onChange(formatPolicy(snippet.statements))}
          >
            {snippet.label}
          </button>
        ))}
      </fieldset>
      <div className={`code-editor${invalid ? ' code-editor-invalid' : ''}`}>
        <pre className="code-backdrop" ref={backdrop} aria-hidden="true">
          {bandsOf(value, check, serverIssues).map((band) => (
            <span
              key={band.first}
              className="hl-band"
              style={{ top: `calc(12px + ${band.first - 1} * 1.6em)`, height: `calc(${band.count} * 1.6em)` }}
            />
          ))}
          {highlight(value, marksOf(check, serverIssues))}
          {'\n'}
        </pre>
        <textarea
          ref={textarea}
          id={id}
          aria-label={texts.label}
          aria-describedby={`${id}-hint ${id}-status`}
          aria-invalid={invalid ? true : undefined}
          className="code-input"
          value={value}
          placeholder={texts.placeholder}
          rows={Math.min(18, Math.max(7, lines + 1))}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          wrap="off"
          onChange={(event) => onChange(event.target.value)}
          onScroll={syncScroll}
        />
      </div>
      <div id={`${id}-status`} className="policy-status" aria-live="polite">
        {check.kind === 'syntax' ? (
          <ul className="policy-issues">
            <li className="issue-error">
              <button type="button" className="link-button" onClick={() => select(check.span)}>
                Line {check.line}, column {check.column}
              </button>
              : {check.message}
            </li>
          </ul>
        ) : errors.length > 0 ? (
          <ul className="policy-issues">
            {errors.map((issue) => (
              <li key={`${issue.pointer}:${issue.message}`} className="issue-error">
                <button type="button" className="link-button" onClick={() => select(issue.span)}>
                  {issue.where}
                  {issue.line === undefined ? '' : ` (line ${issue.line})`}
                </button>
                : {issue.message}
              </li>
            ))}
          </ul>
        ) : (
          <p className="policy-ok">
            <span aria-hidden="true">✓ </span>
            {statementCount === 0
              ? texts.empty
              : `Valid: ${statementCount} statement${statementCount === 1 ? '' : 's'}.`}
          </p>
        )}
        {warnings.length > 0 ? (
          <ul className="policy-issues">
            {warnings.map((issue) => (
              <li key={`${issue.pointer}:${issue.message}`} className="issue-warning">
                <button type="button" className="link-button" onClick={() => select(issue.span)}>
                  {issue.where}
                </button>
                : {issue.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </fieldset>
  );
}
