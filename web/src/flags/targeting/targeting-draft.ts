import type { FlagEnvironment, JsonPatchOperation } from '../../api-types';

/**
 * The targeting of one flag in one environment as the editor holds it while a person changes it:
 * the same shapes the API uses, so the pending change is a plain JSON Patch of what differs.
 */

export interface DraftClause {
  readonly _id?: string;
  readonly attribute: string;
  readonly op: ClauseOperator;
  readonly values: readonly unknown[];
  readonly negate: boolean;
  readonly contextKind?: string;
}

export interface DraftRollout {
  readonly variations: readonly { readonly variation: number; readonly weight: number }[];
  readonly bucketBy?: string;
  readonly contextKind?: string;
}

export interface DraftServe {
  readonly variation?: number;
  readonly rollout?: DraftRollout;
}

export interface DraftRule extends DraftServe {
  readonly _id: string;
  readonly description?: string;
  readonly clauses: readonly DraftClause[];
  readonly trackEvents?: boolean;
}

export interface DraftTarget {
  readonly values: readonly string[];
  readonly variation: number;
  readonly contextKind?: string;
}

export interface DraftPrerequisite {
  readonly key: string;
  readonly variation: number;
}

export interface TargetingDraft {
  readonly offVariation: number;
  readonly fallthrough: DraftServe;
  readonly targets: readonly DraftTarget[];
  readonly rules: readonly DraftRule[];
  readonly prerequisites: readonly DraftPrerequisite[];
}

/** The fields of an environment's configuration the editor changes, in the order it shows them. */
export const draftFields = ['targets', 'rules', 'fallthrough', 'offVariation', 'prerequisites'] as const;

/** Every clause operator the API accepts (src/features/flags/flag-model.ts), with how people say it. */
export const clauseOperators = [
  ['in', 'is one of'],
  ['startsWith', 'starts with'],
  ['endsWith', 'ends with'],
  ['contains', 'contains'],
  ['matches', 'matches regex'],
  ['lessThan', '<'],
  ['lessThanOrEqual', '≤'],
  ['greaterThan', '>'],
  ['greaterThanOrEqual', '≥'],
  ['before', 'is before (date)'],
  ['after', 'is after (date)'],
  ['semVerEqual', 'semantic version ='],
  ['semVerLessThan', 'semantic version <'],
  ['semVerGreaterThan', 'semantic version >'],
  ['segmentMatch', 'is in segment'],
] as const;

export type ClauseOperator = (typeof clauseOperators)[number][0];

const numericOps: ReadonlySet<string> = new Set([
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
]);

/** The full weight of a rollout: 100 % is 100,000 (LaunchDarkly's thousandths of a percent). */
export const fullWeight = 100_000;

export function draftOf(settings: FlagEnvironment): TargetingDraft {
  return {
    offVariation: settings.offVariation,
    fallthrough: settings.fallthrough,
    targets: settings.targets,
    rules: settings.rules as readonly DraftRule[],
    prerequisites: settings.prerequisites,
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The fields that differ between the loaded configuration and the draft. */
export function changedFields(base: TargetingDraft, draft: TargetingDraft): (typeof draftFields)[number][] {
  return draftFields.filter((field) => !same(base[field], draft[field]));
}

/**
 * The one request that saves the draft: a `test` of the version the editor loaded first, so that a
 * change someone else made meanwhile is refused (409) instead of silently overwritten, then a
 * `replace` per changed field.
 */
export function draftPatch(
  envKey: string,
  loadedVersion: number,
  base: TargetingDraft,
  draft: TargetingDraft,
): JsonPatchOperation[] {
  const at = `/environments/${envKey.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return [
    { op: 'test', path: `${at}/version`, value: loadedVersion },
    ...changedFields(base, draft).map(
      (field): JsonPatchOperation => ({ op: 'replace', path: `${at}/${field}`, value: draft[field] }),
    ),
  ];
}

/** The draft as the pending-change diff shows it: without the generated ids nobody reads. */
export function forDiff(draft: TargetingDraft): unknown {
  return {
    ...draft,
    rules: draft.rules.map(({ _id, trackEvents, ...rule }) => ({
      ...rule,
      clauses: rule.clauses.map(({ _id: _c, ...clause }) => clause),
    })),
  };
}

/** Clause values as typed, one per line: numbers for the numeric operators, text otherwise. */
export function parseValues(op: string, text: string): unknown[] {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (numericOps.has(op) || op === 'before' || op === 'after') {
    return lines.map((line) => {
      const n = Number(line);
      return Number.isFinite(n) && line !== '' ? n : line;
    });
  }
  return lines;
}

export function valuesText(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n');
}

/** Keys pasted in any form: one per line, or separated by commas or spaces. */
export function parseKeys(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((k) => k.trim())
        .filter((k) => k !== ''),
    ),
  ];
}

/** A problem that keeps the draft from being saved, at the JSON pointer the server would name. */
export interface DraftProblem {
  readonly pointer: string;
  readonly message: string;
}

function serveProblems(serve: DraftServe, pointer: string, count: number): DraftProblem[] {
  if (serve.rollout === undefined) {
    return serve.variation === undefined || serve.variation >= count
      ? [{ pointer: `${pointer}/variation`, message: 'Choose a variation to serve.' }]
      : [];
  }
  const total = serve.rollout.variations.reduce((sum, v) => sum + v.weight, 0);
  return total === fullWeight
    ? []
    : [
        {
          pointer: `${pointer}/rollout/variations`,
          message: `The percentages add up to ${formatPercent(total)} %; they must add up to 100 %.`,
        },
      ];
}

/** What the editor checks before it lets the draft be saved (the server checks again). */
export function draftProblems(draft: TargetingDraft, variationCount: number): DraftProblem[] {
  const problems = serveProblems(draft.fallthrough, '/fallthrough', variationCount);
  draft.rules.forEach((rule, r) => {
    problems.push(...serveProblems(rule, `/rules/${r}`, variationCount));
    rule.clauses.forEach((clause, c) => {
      if (clause.attribute.trim() === '' && clause.op !== 'segmentMatch')
        problems.push({ pointer: `/rules/${r}/clauses/${c}/attribute`, message: 'Name an attribute.' });
      if (clause.values.length === 0)
        problems.push({ pointer: `/rules/${r}/clauses/${c}/values`, message: 'Give at least one value.' });
    });
  });
  draft.prerequisites.forEach((p, i) => {
    if (p.key === '')
      problems.push({ pointer: `/prerequisites/${i}/key`, message: 'Choose the prerequisite flag.' });
  });
  return problems;
}

export function formatPercent(weight: number): string {
  return String(Math.round(weight) / 1000);
}

/** A fresh id for a rule or clause (the server keeps ids it is given; rules are matched by them). */
export function newId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
