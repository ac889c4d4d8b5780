import { ValidationError } from '../../errors/app-errors.js';
import { jsonEqual } from '../../shared/json-equal.js';
import { type Clause, clauseOperators } from './flag-model.js';
import { isContextKind } from './flag-validate.js';

/**
 * What every semantic patch (flags and segments) reads from its instructions, and the edits of
 * rules and clauses they share. Pure: each function takes the document being patched (a copy the
 * caller owns) and refuses with the instruction's own pointer, `/instructions/N/<field>`.
 */

export type Instruction = Readonly<Record<string, unknown>> & { readonly kind: string };

export function fail(at: string, message: string): never {
  throw ValidationError.at(at, message);
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const isWeight = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100_000;

/** A required parameter, or a 400 naming it. */
export function field<T>(
  instruction: Readonly<Record<string, unknown>>,
  name: string,
  at: string,
  check: (v: unknown) => v is T,
  what: string,
): T {
  const value = instruction[name];
  if (!check(value)) fail(`${at}/${name}`, value === undefined ? `is required (${what})` : `must be ${what}`);
  return value;
}

/** An optional parameter: absent is `undefined`, present must pass. */
export function optional<T>(
  instruction: Readonly<Record<string, unknown>>,
  name: string,
  at: string,
  check: (v: unknown) => v is T,
  what: string,
): T | undefined {
  return instruction[name] === undefined ? undefined : field(instruction, name, at, check, what);
}

/** Context keys: a non-empty list of non-empty strings. */
export function keys(instruction: Readonly<Record<string, unknown>>, at: string): string[] {
  const values = field(instruction, 'values', at, isStrings, 'an array of context keys');
  values.forEach((v, n) => {
    if (v === '') fail(`${at}/values/${n}`, 'must not be empty');
  });
  return values;
}

export function contextKind(
  instruction: Readonly<Record<string, unknown>>,
  name: string,
  at: string,
): string | undefined {
  const kind = optional(instruction, name, at, isString, 'a context kind');
  if (kind !== undefined && !isContextKind(kind))
    fail(
      `${at}/${name}`,
      'must be a context kind: letters, digits, ".", "_" or "-", and not "kind" or "multi"',
    );
  return kind;
}

const operators = new Set<string>(clauseOperators);

/** `{contextKind?, attribute, op, negate?, values}` as LaunchDarkly's instructions take a clause. */
export function parseClause(raw: unknown, at: string, id: string): Clause {
  if (!isObject(raw)) fail(at, 'must be a clause object');
  const attribute = field(raw, 'attribute', at, isString, 'a string');
  if (attribute === '') fail(`${at}/attribute`, 'must name an attribute');
  const op = field(raw, 'op', at, isString, 'an operator such as "in"');
  if (!operators.has(op)) fail(`${at}/op`, `must be one of ${clauseOperators.join(', ')}`);
  const values = field(raw, 'values', at, isArray, 'an array');
  if (values.length === 0) fail(`${at}/values`, 'needs at least one value');
  const negate = optional(raw, 'negate', at, isBoolean, 'true or false') ?? false;
  const kind = contextKind(raw, 'contextKind', at);
  return {
    _id: id,
    attribute,
    op: op as Clause['op'],
    values,
    negate,
    ...(kind === undefined ? {} : { contextKind: kind }),
  };
}

export function parseClauses(
  instruction: Readonly<Record<string, unknown>>,
  at: string,
  newId: () => string,
  allowEmpty = false,
): Clause[] {
  const list = instruction.clauses;
  if (list === undefined && allowEmpty) return [];
  if (!Array.isArray(list) || (list.length === 0 && !allowEmpty))
    fail(`${at}/clauses`, allowEmpty ? 'must be an array' : 'must be a non-empty array');
  return list.map((raw, i) => parseClause(raw, `${at}/clauses/${i}`, newId()));
}

/** A flag or segment rule as the shared instructions see it. */
export interface RuleWithClauses {
  readonly _id: string;
  clauses: Clause[];
  description?: string | undefined;
}

export function ruleOf<R extends RuleWithClauses>(
  rules: readonly R[],
  instruction: Instruction,
  at: string,
): R {
  const id = field(instruction, 'ruleId', at, isString, 'a rule _id');
  const rule = rules.find((r) => r._id === id);
  if (rule === undefined) fail(`${at}/ruleId`, `no rule with _id "${id}"`);
  return rule;
}

function clauseIndex(rule: RuleWithClauses, instruction: Instruction, at: string): number {
  const id = field(instruction, 'clauseId', at, isString, 'a clause _id');
  const index = rule.clauses.findIndex((c) => c._id === id);
  if (index < 0) fail(`${at}/clauseId`, `no clause with _id "${id}" in rule "${rule._id}"`);
  return index;
}

/** The instructions that edit one rule's clauses, the same for flags and segments. */
export const clauseEdits: Record<
  string,
  (rules: RuleWithClauses[], instruction: Instruction, at: string, newId: () => string) => void
> = {
  addClauses: (rules, i, at, newId) => {
    const rule = ruleOf(rules, i, at);
    rule.clauses.push(...parseClauses(i, at, newId));
  },
  removeClauses: (rules, i, at) => {
    const rule = ruleOf(rules, i, at);
    const ids = field(i, 'clauseIds', at, isStrings, 'an array of clause _ids');
    ids.forEach((id, n) => {
      if (!rule.clauses.some((c) => c._id === id)) fail(`${at}/clauseIds/${n}`, `no clause with _id "${id}"`);
    });
    rule.clauses = rule.clauses.filter((c) => c._id === undefined || !ids.includes(c._id));
  },
  updateClause: (rules, i, at) => {
    const rule = ruleOf(rules, i, at);
    const index = clauseIndex(rule, i, at);
    // The clause keeps its _id: later instructions and audit descriptions still find it.
    rule.clauses[index] = parseClause(i.clause, `${at}/clause`, rule.clauses[index]?._id ?? '');
  },
  addValuesToClause: (rules, i, at) => {
    const rule = ruleOf(rules, i, at);
    const clause = rule.clauses[clauseIndex(rule, i, at)] as Clause;
    const values = field(i, 'values', at, isArray, 'an array of values');
    if (values.length === 0) fail(`${at}/values`, 'must not be empty');
    for (const value of values)
      if (!clause.values.some((v) => jsonEqual(v, value))) clause.values.push(value);
  },
  removeValuesFromClause: (rules, i, at) => {
    const rule = ruleOf(rules, i, at);
    const clause = rule.clauses[clauseIndex(rule, i, at)] as Clause;
    const values = field(i, 'values', at, isArray, 'an array of values');
    clause.values = clause.values.filter((v) => !values.some((value) => jsonEqual(v, value)));
    if (clause.values.length === 0)
      fail(`${at}/values`, 'would leave the clause without values; remove the clause instead');
  },
  updateRuleDescription: (rules, i, at) => {
    ruleOf(rules, i, at).description = field(i, 'description', at, isString, 'a string');
  },
};

/** LaunchDarkly: removing a rule that does not exist does nothing. */
export function withoutRule<R extends RuleWithClauses>(
  rules: readonly R[],
  instruction: Instruction,
  at: string,
): R[] {
  const id = field(instruction, 'ruleId', at, isString, 'a rule _id');
  return rules.filter((r) => r._id !== id);
}

/** The same rules in the order `ruleIds` gives, which must name every rule once. */
export function reordered<R extends RuleWithClauses>(
  rules: readonly R[],
  instruction: Instruction,
  at: string,
): R[] {
  const ids = field(instruction, 'ruleIds', at, isStrings, 'an array of every rule _id');
  const current = rules.map((r) => r._id);
  if (
    ids.length !== current.length ||
    new Set(ids).size !== ids.length ||
    !current.every((id) => ids.includes(id))
  )
    fail(`${at}/ruleIds`, 'must list every rule _id once');
  return ids.map((id) => rules.find((r) => r._id === id) as R);
}

/** Where a new rule goes: before `beforeRuleId`, or at the end. */
export function insertRule<R extends RuleWithClauses>(
  rules: R[],
  rule: R,
  instruction: Instruction,
  at: string,
): void {
  const before = optional(instruction, 'beforeRuleId', at, isString, 'a rule _id');
  if (before === undefined) {
    rules.push(rule);
    return;
  }
  const index = rules.findIndex((r) => r._id === before);
  if (index < 0) fail(`${at}/beforeRuleId`, `no rule with _id "${before}"`);
  rules.splice(index, 0, rule);
}

/** Tags to add or remove: `values`, a list of strings. */
export function editTags(
  tags: readonly string[],
  instruction: Instruction,
  at: string,
  add: boolean,
): string[] {
  const values = field(instruction, 'values', at, isStrings, 'an array of tags');
  return add ? [...new Set([...tags, ...values])] : tags.filter((t) => !values.includes(t));
}
