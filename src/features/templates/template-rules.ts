import { TemplateError } from './template-error.js';

/** What a template renders into: HipChat's HTML or a JSON body (Slack, Teams, webhooks). */
export type TemplateTarget = 'html' | 'json';

/**
 * What a template may contain, checked on its syntax tree before it is compiled. Partials and
 * decorators are refused: an inline partial that calls itself twice doubles the output per level
 * of nesting, so a thousand characters rendered hundreds of megabytes (issue #13). Without them
 * the output only grows through loops over the entry's data, which the render budget bounds.
 */
export const templateShape = {
  /**
   * `{{` in the source. Handlebars' parser and compiler take ~0.1–0.2 ms per expression (a
   * 20,000-character template of 4,000 expressions took 0.5–1 s); 250 keep parsing and compiling
   * the largest template at 20–60 ms (~150 ms in a process that has not compiled one yet), and
   * are several times what a rich Slack or Teams message uses.
   */
  expressions: 250,
  /** Blocks inside blocks (an `{{else if}}` counts as one more): the compiler recurses on them. */
  nesting: 20,
  /** `{{#each}}` (and `{{#list}}` sections, which loop too) inside one another. */
  loops: 3,
} as const;

/** The built-in block helpers that render their body at most once. */
const onceHelpers = new Set(['if', 'unless', 'with']);

/** The helper every value is routed through to be counted (a template naming it is counted twice). */
export const meterHelper = '__sbMeter';

type Node = hbs.AST.Node;

const at = (node: Node) => `line ${node.loc?.start.line ?? '?'}`;

/** Refuses a source with too many expressions before parsing it (parsing is the cost). */
export function checkSourceSize(source: string): void {
  const expressions = source.split('{{').length - 1;
  if (expressions > templateShape.expressions)
    throw new TemplateError(
      `has ${expressions} {{…}} expressions; a template may have at most ${templateShape.expressions}`,
    );
}

function isBlock(node: Node): node is hbs.AST.BlockStatement {
  return node.type === 'BlockStatement';
}

/** A literal path (`{{"name"}}`) names a property, as Handlebars' own compiler reads it. */
function asPath(path: hbs.AST.PathExpression | hbs.AST.Literal): hbs.AST.PathExpression {
  if (path.type === 'PathExpression') return path as hbs.AST.PathExpression;
  const original = String((path as hbs.AST.StringLiteral).original);
  return { type: 'PathExpression', data: false, depth: 0, parts: [original], original, loc: path.loc };
}

/**
 * `{{x}}` becomes `{{__sbMeter x}}` and `{{helper a b}}` becomes `{{__sbMeter (helper a b)}}`, so
 * each value's length is counted before Handlebars appends it: a thousand copies of a long
 * description in one block would otherwise be built before any loop's count could stop it.
 */
function meter(node: hbs.AST.MustacheStatement): void {
  const simple = node.params.length === 0 && (node.hash === undefined || node.hash.pairs.length === 0);
  const value: hbs.AST.Expression = simple
    ? asPath(node.path)
    : ({
        type: 'SubExpression',
        path: asPath(node.path),
        params: node.params,
        hash: node.hash,
        loc: node.loc,
      } as hbs.AST.SubExpression);
  node.params = [value];
  node.hash = undefined as unknown as hbs.AST.Hash;
  node.path = {
    type: 'PathExpression',
    data: false,
    depth: 0,
    parts: [meterHelper],
    original: meterHelper,
    loc: node.loc,
  };
}

function checkStatement(node: Node, target: TemplateTarget, depth: number, loops: number): void {
  switch (node.type) {
    case 'PartialStatement':
    case 'PartialBlockStatement':
      throw new TemplateError(`${at(node)}: partials ({{> …}}) are not allowed; write the text out`);
    case 'Decorator':
    case 'DecoratorBlock':
      throw new TemplateError(
        `${at(node)}: inline partials and decorators ({{#* …}}, {{* …}}) are not allowed; write the text out`,
      );
    case 'MustacheStatement': {
      const mustache = node as hbs.AST.MustacheStatement;
      if (target === 'html' && mustache.escaped === false)
        throw new TemplateError(
          `${at(node)}: {{{…}}} is not allowed, values are always escaped (use {{title.html}} for the formatted title)`,
        );
      meter(mustache);
      return;
    }
    case 'BlockStatement': {
      if (!isBlock(node)) return;
      const name = node.path.type === 'PathExpression' ? node.path.original : '';
      const loop = !onceHelpers.has(name) ? loops + 1 : loops;
      if (depth + 1 > templateShape.nesting)
        throw new TemplateError(`${at(node)}: blocks nest more than ${templateShape.nesting} deep`);
      if (loop > templateShape.loops)
        throw new TemplateError(
          `${at(node)}: loops ({{#each}}, or a section over a list) nest more than ${templateShape.loops} deep`,
        );
      // `{{^x}}…{{/x}}` has only an inverse; `{{#x}}…{{/x}}` only a program.
      for (const body of [node.program, node.inverse])
        if (body !== undefined && body !== null) checkProgram(body, target, depth + 1, loop);
      return;
    }
    default:
      return;
  }
}

function checkProgram(program: hbs.AST.Program, target: TemplateTarget, depth: number, loops: number): void {
  for (const statement of program.body) checkStatement(statement, target, depth, loops);
}

/**
 * Checks a parsed template against the rules above and rewrites its values to be metered.
 * Mutates `ast` (freshly parsed by the caller, never shared).
 */
export function checkAndMeter(ast: hbs.AST.Program, target: TemplateTarget): void {
  checkProgram(ast, target, 0, 0);
}
