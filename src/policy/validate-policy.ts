import { ALL_ACTIONS } from './action-catalog.js';
import { didYouMean } from './did-you-mean.js';
import { compileGlob, matchGlob } from './glob.js';
import { type Effect, STATEMENT_FIELDS, type Statement } from './policy-statement.js';
import { parseSpecifier } from './resource-specifier.js';

/** A problem found in a policy; `pointer` is a JSON pointer into the policy array (`/1/resources/0`). */
export interface PolicyIssue {
  readonly pointer: string;
  readonly message: string;
}

export type PolicyValidation =
  | { readonly ok: true; readonly statements: Statement[]; readonly warnings: PolicyIssue[] }
  | { readonly ok: false; readonly errors: PolicyIssue[]; readonly warnings: PolicyIssue[] };

export type SpecifierValidation = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** `/1/resources/0: unknown resource type "flags" (did you mean "flag"?)` */
export const formatIssue = (issue: PolicyIssue): string =>
  issue.pointer === '' ? issue.message : `${issue.pointer}: ${issue.message}`;

/**
 * Checks untrusted JSON against the policy language. Errors make the policy unusable; warnings
 * (unknown action names) leave it usable but probably not what was meant, since such an action
 * never occurs in an audit entry. Never throws: whatever the input, only issues come out.
 */
export function validatePolicy(input: unknown): PolicyValidation {
  const errors: PolicyIssue[] = [];
  const warnings: PolicyIssue[] = [];
  if (!Array.isArray(input)) {
    errors.push({ pointer: '', message: 'a policy must be an array of statements' });
    return { ok: false, errors, warnings };
  }
  const statements: Statement[] = [];
  // Index loops rather than forEach: a hole in a sparse array is a missing statement, not nothing.
  for (let index = 0; index < input.length; index++) {
    const statement = validateStatement(input[index] as unknown, `/${index}`, { errors, warnings });
    if (statement !== undefined) statements.push(statement);
  }
  return errors.length === 0 ? { ok: true, statements, warnings } : { ok: false, errors, warnings };
}

/** Validates one resource specifier on its own, e.g. the audit log's `?spec=`. */
export function validateSpecifier(text: unknown): SpecifierValidation {
  if (typeof text !== 'string') return { ok: false, message: 'a resource specifier must be a string' };
  const parsed = parseSpecifier(text);
  return parsed.ok ? { ok: true } : { ok: false, message: parsed.message };
}

interface Sink {
  readonly errors: PolicyIssue[];
  readonly warnings: PolicyIssue[];
}

function validateStatement(value: unknown, at: string, sink: Sink): Statement | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    sink.errors.push({
      pointer: at,
      message:
        'a statement must be an object with "effect", "resources" or "notResources", and "actions" or "notActions"',
    });
    return undefined;
  }
  const fields = value as Readonly<Record<string, unknown>>;
  const errorsBefore = sink.errors.length;
  for (const name of Object.keys(fields)) {
    if (STATEMENT_FIELDS.includes(name)) continue;
    sink.errors.push({
      pointer: `${at}/${escapePointer(name)}`,
      message: `unknown field "${name}"${hint(name, STATEMENT_FIELDS)}`,
    });
  }
  const effect = validateEffect(fields, at, sink);
  const resources = validatePair(fields, 'resources', 'notResources', at, sink);
  const actions = validatePair(fields, 'actions', 'notActions', at, sink);
  if (resources !== undefined) validateResourceList(resources.list, `${at}/${resources.name}`, sink);
  if (actions !== undefined) validateActionList(actions.list, `${at}/${actions.name}`, sink);
  if (
    sink.errors.length > errorsBefore ||
    effect === undefined ||
    resources === undefined ||
    actions === undefined
  ) {
    return undefined;
  }
  // Rebuilt from the checked parts only, so the caller stores exactly what was validated.
  const resourceSide =
    resources.name === 'resources' ? { resources: resources.list } : { notResources: resources.list };
  const actionSide = actions.name === 'actions' ? { actions: actions.list } : { notActions: actions.list };
  return { effect, ...resourceSide, ...actionSide };
}

function validateEffect(
  fields: Readonly<Record<string, unknown>>,
  at: string,
  sink: Sink,
): Effect | undefined {
  if (!Object.hasOwn(fields, 'effect')) {
    sink.errors.push({ pointer: at, message: 'missing "effect" ("allow" or "deny")' });
    return undefined;
  }
  const effect = fields.effect;
  if (effect === 'allow' || effect === 'deny') return effect;
  const suggestion = typeof effect === 'string' ? hint(effect, ['allow', 'deny']) : '';
  sink.errors.push({ pointer: `${at}/effect`, message: `"effect" must be "allow" or "deny"${suggestion}` });
  return undefined;
}

interface CheckedList {
  readonly name: string;
  readonly list: string[];
}

/** Exactly one of `name` / `notName` must be present, holding a non-empty array of strings. */
function validatePair(
  fields: Readonly<Record<string, unknown>>,
  name: string,
  notName: string,
  at: string,
  sink: Sink,
): CheckedList | undefined {
  const hasName = Object.hasOwn(fields, name);
  const hasNot = Object.hasOwn(fields, notName);
  if (hasName === hasNot) {
    const message = hasName
      ? `has both "${name}" and "${notName}"; use exactly one`
      : `missing "${name}" (or "${notName}")`;
    sink.errors.push({ pointer: at, message });
    return undefined;
  }
  const chosen = hasName ? name : notName;
  const value = fields[chosen];
  const pointer = `${at}/${chosen}`;
  if (!Array.isArray(value)) {
    sink.errors.push({ pointer, message: `"${chosen}" must be an array of strings` });
    return undefined;
  }
  if (value.length === 0) {
    sink.errors.push({ pointer, message: `"${chosen}" must not be empty` });
    return undefined;
  }
  const list: string[] = [];
  for (let index = 0; index < value.length; index++) {
    const element: unknown = value[index];
    if (typeof element === 'string') list.push(element);
    else
      sink.errors.push({
        pointer: `${pointer}/${index}`,
        message: `must be a string, not ${describe(element)}`,
      });
  }
  return list.length === value.length ? { name: chosen, list } : undefined;
}

function validateResourceList(list: readonly string[], at: string, sink: Sink): void {
  list.forEach((specifier, index) => {
    const parsed = parseSpecifier(specifier);
    if (!parsed.ok) sink.errors.push({ pointer: `${at}/${index}`, message: parsed.message });
  });
}

function validateActionList(list: readonly string[], at: string, sink: Sink): void {
  list.forEach((action, index) => {
    const pointer = `${at}/${index}`;
    if (action === '') {
      sink.errors.push({ pointer, message: 'empty action name (use "*" for every action)' });
    } else if (action.includes('*')) {
      const glob = compileGlob(action);
      if (![...ALL_ACTIONS].some((known) => matchGlob(glob, known))) {
        sink.warnings.push({ pointer, message: `action glob "${action}" matches no known action` });
      }
    } else if (!ALL_ACTIONS.has(action)) {
      sink.warnings.push({
        pointer,
        message: `unknown action "${action}"${hint(action, ALL_ACTIONS, ACTION_SYNONYMS)}`,
      });
    }
  });
}

const ACTION_SYNONYMS: Readonly<Record<string, string>> = {
  invitemember: 'createMember',
  invite: 'createMember',
  toggle: 'updateOn',
  toggleflag: 'updateOn',
  archiveflag: 'updateGlobalArchived',
};

function hint(
  input: string,
  candidates: Iterable<string>,
  synonyms: Readonly<Record<string, string>> = {},
): string {
  const suggestion = didYouMean(input, candidates, synonyms);
  return suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

// RFC 6901: `~` and `/` inside a member name are escaped so the pointer stays unambiguous.
const escapePointer = (name: string): string => name.replaceAll('~', '~0').replaceAll('/', '~1');
