import type Handlebars from 'handlebars';
import { TemplateError } from './template-error.js';

/**
 * What one render may cost. A template is rendered on the event loop that also answers every
 * request, so a render that runs long holds them all; these bounds stop it part-way.
 *
 * Steps and characters are counted, so a template fails the same way at save, at every delivery
 * and on every machine; the clock is a backstop only. Measured on this shared 2-core machine: a
 * render stopped by the character bound takes 15–40 ms (HTML escaping of `<&>`-heavy text is the
 * dearest case), one stopped by the step bound 10–25 ms, while a full 26 KB Teams card or 9 KB
 * HipChat message renders in under 1 ms. Bounds at 2.5× those took up to 250 ms (tried).
 */
export interface RenderLimits {
  /** Helper calls, block passes and inserted values. */
  readonly steps: number;
  /** Characters produced, counting every value inserted and every block pass's output again. */
  readonly characters: number;
  /** Wall-clock backstop, for a machine so loaded that the counts above take longer than planned. */
  readonly milliseconds: number;
}

export const renderLimits: RenderLimits = { steps: 10_000, characters: 250_000, milliseconds: 250 };

const grouped = (n: number) => n.toLocaleString('en-US');

/** One render's running cost; throws a TemplateError a person can act on once over a limit. */
export class RenderBudget {
  private steps = 0;
  private characters = 0;
  private readonly deadline: number;

  constructor(private readonly limits: RenderLimits = renderLimits) {
    this.deadline = performance.now() + limits.milliseconds;
  }

  /** One helper call, block pass or value, producing `characters`. */
  charge(characters: number): void {
    this.steps++;
    this.characters += characters;
    if (this.characters > this.limits.characters)
      throw new TemplateError(
        `the template does too much work for one message (over ${grouped(this.limits.characters)} characters, counting each pass of a loop) and was stopped; loops inside loops over long lists do this`,
      );
    if (this.steps > this.limits.steps)
      throw new TemplateError(
        `the template does too much work for one message (over ${grouped(this.limits.steps)} loop passes and values) and was stopped; loops inside loops over long lists do this`,
      );
    // performance.now() costs ~40 ns; every 64th step keeps the clock under 1% of a render.
    if ((this.steps & 63) === 0 && performance.now() > this.deadline)
      throw new TemplateError(
        `the template took more than ${this.limits.milliseconds} ms to render and was stopped`,
      );
  }
}

/** The length a value will have once Handlebars turns it into text. */
export function renderedLength(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') return value.length;
  return String(value).length;
}

// Renders are synchronous and never nest, so the budget of the render under way is one variable.
let active: RenderBudget | undefined;

/** Runs `render` with `budget` counting what the metered helpers do. */
export function withinBudget<T>(budget: RenderBudget, render: () => T): T {
  const outer = active;
  active = budget;
  try {
    return render();
  } finally {
    active = outer;
  }
}

function charge(characters: number): void {
  // Only reachable through a compiled template, which only renderTemplate runs (within a budget).
  if (active === undefined) throw new TemplateError('a template was rendered without a budget');
  active.charge(characters);
}

type Body = (this: unknown, ...args: unknown[]) => unknown;
type Helper = (this: unknown, ...args: unknown[]) => unknown;

/** The built-in helpers that render a block body (each, if, unless, with, sections) or look up a value. */
const blockHelpers = ['each', 'if', 'unless', 'with', 'lookup', 'blockHelperMissing'] as const;

/**
 * Makes every helper call, block pass and inserted value of `instance`'s templates count against
 * the budget under way: `valueHelper` is what template-rules.ts routes each `{{value}}` through,
 * and each block body is wrapped so that a loop is stopped at the pass that goes over.
 */
export function meterHelpers(instance: typeof Handlebars, valueHelper: string): void {
  const metered = new WeakSet<Body>();
  const meterBody = (body: unknown): unknown => {
    if (typeof body !== 'function' || metered.has(body as Body)) return body;
    const original = body as Body;
    const counted: Body = function (this: unknown, ...args: unknown[]) {
      const out = original.apply(this, args);
      charge(renderedLength(out));
      return out;
    };
    metered.add(counted);
    return counted;
  };
  for (const name of blockHelpers) {
    const helper = instance.helpers[name] as Helper | undefined;
    if (helper === undefined) throw new Error(`Handlebars has no built-in "${name}" helper`);
    instance.registerHelper(name, function (this: unknown, ...args: unknown[]) {
      charge(0);
      const options = args[args.length - 1];
      if (typeof options === 'object' && options !== null && 'fn' in options) {
        const o = options as { fn: unknown; inverse: unknown };
        o.fn = meterBody(o.fn);
        o.inverse = meterBody(o.inverse);
      }
      return helper.apply(this, args);
    });
  }
  instance.registerHelper(valueHelper, (value: unknown) => {
    charge(renderedLength(value));
    return value;
  });
  // `{{log …}}` writes to the server's console on every render: not for templates.
  instance.unregisterHelper('log');
}
