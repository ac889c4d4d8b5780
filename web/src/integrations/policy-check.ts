import { validatePolicy } from '../../../src/policy/validate-policy';
import type { PolicyStatement } from '../api-types';
import { jsonSpans, lineAndColumn, type Span } from './json-spans';

/** A validation message placed in the editor's text. */
export interface LocatedIssue {
  readonly pointer: string;
  readonly message: string;
  /** "Statement 2 · resources[0]" */
  readonly where: string;
  /** Index of the statement it is in, if any. */
  readonly statement: number | undefined;
  /** The value the pointer names (or its nearest existing parent). */
  readonly span: Span | undefined;
  readonly statementSpan: Span | undefined;
  readonly line: number | undefined;
}

export type PolicyCheck =
  | { readonly kind: 'ok'; readonly statements: PolicyStatement[]; readonly warnings: LocatedIssue[] }
  | {
      readonly kind: 'syntax';
      readonly message: string;
      readonly span: Span;
      readonly line: number;
      readonly column: number;
    }
  | { readonly kind: 'invalid'; readonly errors: LocatedIssue[]; readonly warnings: LocatedIssue[] };

function describePointer(pointer: string): string {
  const parts = pointer.split('/').slice(1);
  const [first, ...rest] = parts;
  if (first === undefined) return 'The policy';
  let where = `Statement ${Number(first) + 1}`;
  for (const part of rest) {
    if (/^\d+$/.test(part)) where += `[${part}]`;
    else where += ` · ${part.replace(/~1/g, '/').replace(/~0/g, '~')}`;
  }
  return where;
}

export function locate(
  text: string,
  spans: ReadonlyMap<string, Span>,
  pointer: string,
  message: string,
): LocatedIssue {
  // A missing field has no span of its own: mark the nearest part that exists.
  let probe = pointer;
  let span = spans.get(probe);
  while (span === undefined && probe !== '') {
    probe = probe.slice(0, probe.lastIndexOf('/'));
    span = spans.get(probe);
  }
  const first = pointer.split('/')[1];
  const statement = first !== undefined && /^\d+$/.test(first) ? Number(first) : undefined;
  return {
    pointer,
    message,
    where: describePointer(pointer),
    statement,
    span,
    statementSpan: statement === undefined ? undefined : spans.get(`/${statement}`),
    line: span === undefined ? undefined : lineAndColumn(text, span.start).line,
  };
}

/**
 * Checks the editor's text with the same rules the server applies (`validatePolicy` is shared with
 * it), and places every message in the text. A blank editor means "no filter: every change".
 */
export function checkPolicyText(text: string): PolicyCheck {
  if (text.trim() === '') return { kind: 'ok', statements: [], warnings: [] };
  const parsed = jsonSpans(text);
  if (!parsed.ok) {
    const { line, column } = lineAndColumn(text, parsed.offset);
    return {
      kind: 'syntax',
      message: `Not valid JSON: ${parsed.message}`,
      span: { start: parsed.offset, end: Math.min(text.length, parsed.offset + 1) },
      line,
      column,
    };
  }
  const value = JSON.parse(text) as unknown;
  const result = validatePolicy(value);
  const place = (issues: readonly { pointer: string; message: string }[]) =>
    issues.map((i) => locate(text, parsed.spans, i.pointer, i.message));
  if (!result.ok) return { kind: 'invalid', errors: place(result.errors), warnings: place(result.warnings) };
  // Saved as written (not the validator's normalised form), so the editor shows it back unchanged.
  return { kind: 'ok', statements: value as PolicyStatement[], warnings: place(result.warnings) };
}
