import { compileGlob, type Glob, GlobKind, matchGlob } from './glob.js';
import type { Effect, Statement } from './policy-statement.js';
import { compileResourcePattern, type ResourcePattern } from './resource-pattern.js';
import { parseSpecifier } from './resource-specifier.js';

/**
 * The action side of a statement. Literal names go into a Set and globs are kept apart, so the
 * common lists (`["*"]`, `["updateOn"]`, a handful of names) cost one comparison or one hash probe.
 */
export interface ActionMatcher {
  readonly everything: boolean;
  readonly names: ReadonlySet<string>;
  readonly globs: readonly Glob[];
}

export interface CompiledStatement {
  readonly effect: Effect;
  readonly resources: readonly ResourcePattern[];
  /** True for `notResources`: the statement applies when none of `resources` matches. */
  readonly negateResources: boolean;
  readonly actions: ActionMatcher;
  /** True for `notActions`. */
  readonly negateActions: boolean;
  /** Canonical text of the statement: equal fingerprints mean equal statements. */
  readonly fingerprint: string;
}

/**
 * A policy ready for evaluation. Statements are split by effect because the decision only asks
 * "does any allow apply?" and then "does any deny apply?", and order never matters.
 */
export interface CompiledPolicy {
  readonly allow: readonly CompiledStatement[];
  readonly deny: readonly CompiledStatement[];
  /** Number of statements: zero means "no policy" to a notification filter. */
  readonly size: number;
  /**
   * Canonical text of the statements, independent of their order: equal fingerprints mean equal
   * decisions, which lets the fan-out index evaluate a filter shared by many integrations once.
   */
  readonly fingerprint: string;
}

/**
 * Compiles validated statements. Throws on a malformed resource specifier: statements must come
 * from `validatePolicy` (or trusted code), so reaching that is a programming error.
 */
export function compilePolicy(statements: readonly Statement[]): CompiledPolicy {
  const compiled = statements.map(compileStatement);
  return {
    allow: compiled.filter((statement) => statement.effect === 'allow'),
    deny: compiled.filter((statement) => statement.effect === 'deny'),
    size: compiled.length,
    fingerprint: compiled
      .map((statement) => statement.fingerprint)
      .sort()
      .join('\n'),
  };
}

function compileStatement(statement: Statement, index: number): CompiledStatement {
  const negateResources = statement.resources === undefined;
  const negateActions = statement.actions === undefined;
  const resources = statement.resources ?? statement.notResources;
  const actions = statement.actions ?? statement.notActions;
  if (resources === undefined || actions === undefined) {
    throw new Error(`compilePolicy: statement ${index} lacks resources or actions; validate it first`);
  }
  return {
    effect: statement.effect,
    resources: resources.map((source) => {
      const parsed = parseSpecifier(source);
      if (!parsed.ok) throw new Error(`compilePolicy: statement ${index}: ${parsed.message}`);
      return compileResourcePattern(parsed.specifier, source);
    }),
    negateResources,
    actions: compileActions(actions),
    negateActions,
    fingerprint: JSON.stringify([
      statement.effect,
      statement.resources,
      statement.notResources,
      statement.actions,
      statement.notActions,
    ]),
  };
}

export function compileActions(actions: readonly string[]): ActionMatcher {
  const globs = actions.filter((action) => action.includes('*')).map(compileGlob);
  return {
    everything: globs.some((glob) => glob.kind === GlobKind.Any),
    names: new Set(actions.filter((action) => !action.includes('*'))),
    globs,
  };
}

export function matchAction(matcher: ActionMatcher, action: string): boolean {
  if (matcher.everything || matcher.names.has(action)) return true;
  const globs = matcher.globs;
  for (let i = 0; i < globs.length; i++) if (matchGlob(globs[i]!, action)) return true;
  return false;
}
