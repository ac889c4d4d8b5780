import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors/app-errors.js';
import type { AuditEntry } from '../audit/audit-model.js';
import { hipChatTemplateFlavor } from '../integrations/kinds/hipchat/hipchat-channel.js';
import { teamsTemplateFlavor } from '../integrations/kinds/msteams/msteams-card.js';
import { slackTemplateFlavor } from '../integrations/kinds/slack/slack-message.js';
import {
  compileTemplate,
  renderTemplate,
  sampleEntries,
  type TemplateFlavor,
  validateTemplate,
} from './message-template.js';
import { RenderBudget, renderLimits } from './render-budget.js';
import { TemplateError } from './template-error.js';
import { templateShape } from './template-rules.js';

const [toggle] = sampleEntries as [AuditEntry, AuditEntry, AuditEntry];
const html = hipChatTemplateFlavor;
const render = (source: string, entry: AuditEntry = toggle, flavor: TemplateFlavor = html) =>
  renderTemplate(compileTemplate(source, flavor), entry);
const refusal = (source: string, flavor: TemplateFlavor = html): string => {
  try {
    render(source, toggle, flavor);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${source}`);
};
const saved = (source: string, flavor: TemplateFlavor): string | undefined => {
  try {
    validateTemplate(source, flavor, '/config/template');
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
};

describe('what a template may contain', () => {
  it('partials, inline partials and decorators are refused, with the line', () => {
    expect(refusal('{{> footer}}')).toMatch(/^line 1: partials/);
    expect(refusal('x\n{{#> layout}}y{{/layout}}')).toMatch(/^line 2: partials/);
    expect(refusal('{{#*inline "a"}}{{name}}{{/inline}}{{> a}}')).toMatch(/inline partials and decorators/);
    expect(refusal('{{* decorate}}')).toMatch(/inline partials and decorators/);
  });

  it('{{log}} is not a helper here: it would write to the server console on every render', () => {
    expect(refusal('{{log name}}')).toMatch(/unknown helper log/);
  });

  it('the number of expressions and how deep blocks and loops nest are bounded', () => {
    const { expressions, nesting, loops } = templateShape;
    expect(refusal('{{name}}'.repeat(expressions + 1))).toMatch(/at most 250/);
    expect(render('{{name}}'.repeat(expressions))).toHaveLength(expressions * 'New checkout'.length);
    expect(refusal(`${'{{#if name}}'.repeat(nesting + 1)}x${'{{/if}}'.repeat(nesting + 1)}`)).toMatch(
      /nest more than 20 deep/,
    );
    expect(render(`${'{{#if name}}'.repeat(nesting)}x${'{{/if}}'.repeat(nesting)}`)).toBe('x');
    const each = (n: number) => `${'{{#each @root}}'.repeat(n)}${'{{/each}}'.repeat(n)}`;
    expect(refusal(`x${each(loops + 1)}`)).toMatch(/loops .* nest more than 3 deep/);
    expect(render(`x${each(loops)}`)).toBe('x');
    // A section over a list loops like {{#each}}; {{#with}} and {{#if}} do not.
    expect(refusal('{{#accesses}}{{#each @root}}{{#a}}{{#b}}{{/b}}{{/a}}{{/each}}{{/accesses}}')).toMatch(
      /loops/,
    );
    expect(render('{{#with member}}{{#each @root}}{{#if name}}{{/if}}{{/each}}{{/with}}x')).toBe('x');
  });
});

describe('metering keeps what templates mean', () => {
  it('values, literals, lookups, sections, else chains and escaping read as before', () => {
    const hostile = { ...toggle, name: '<b>&"' };
    expect(render('{{name}}|{{"name"}}|{{lookup this "kind"}}|{{member.displayName}}', hostile)).toBe(
      '&lt;b&gt;&amp;&quot;|&lt;b&gt;&amp;&quot;|flag|Ariel Flores',
    );
    expect(
      render('{{#each accesses}}{{@index}}:{{action}}{{/each}}|{{#accesses}}{{action}}{{/accesses}}'),
    ).toBe('0:updateOn|updateOn');
    expect(render('{{^missing}}none{{/missing}}|{{#unless comment}}no{{else}}{{comment}}{{/unless}}')).toBe(
      'none|Ship it',
    );
    expect(render('{{#if missing}}a{{else if comment}}b{{else}}c{{/if}}')).toBe('b');
    expect(render('{{title.html}}')).toContain('<b>Ariel Flores</b>');
    expect(render('{{#with member as |m|}}{{m.displayName}}{{/with}}')).toBe('Ariel Flores');
    expect(
      JSON.parse(render('{"t":"{{#each accesses}}{{action}} {{/each}}"}', toggle, { target: 'json' })),
    ).toEqual({ t: 'updateOn ' });
  });
});

describe('the render budget', () => {
  const many = { ...toggle, accesses: Array.from({ length: 40 }, () => toggle.accesses[0]!) };

  it('a loop over loops over a long list is stopped at the step bound, with a reason a person reads', () => {
    const source = `{{#each accesses}}{{#each @root.accesses}}{{#each @root.accesses}}{{@index}}{{/each}}{{/each}}{{/each}}`;
    expect(render(source)).toBe('0');
    expect(() => render(source, many)).toThrow(
      /does too much work for one message \(over 10,000 loop passes/,
    );
  });

  it('copies of a long value are stopped at the character bound, before they are built', () => {
    const long = { ...many, description: '<&>'.repeat(2_000) };
    const source = `{{#each accesses}}${'{{@root.details}}'.repeat(100)}{{/each}}`;
    expect(() => render(source, long)).toThrow(/over 250,000 characters/);
  });

  it('counts steps and characters, and the clock is checked as a backstop', () => {
    const steps = new RenderBudget({ ...renderLimits, steps: 3 });
    for (let i = 0; i < 3; i++) steps.charge(1);
    expect(() => steps.charge(0)).toThrow(/over 3 loop passes/);
    const characters = new RenderBudget({ ...renderLimits, characters: 10 });
    characters.charge(10);
    expect(() => characters.charge(1)).toThrow(/over 10 characters/);
    const clock = new RenderBudget({ ...renderLimits, milliseconds: -1 });
    expect(() => {
      for (let i = 0; i < 64; i++) clock.charge(0);
    }).toThrow(/took more than -1 ms/);
  });
});

describe("the channel's size limit, checked when the template is saved", () => {
  const twice = (body: string) => `{{#each @root}}{{#each @root}}${body}{{/each}}{{/each}}`;

  it('HipChat: 10,000 characters of message', () => {
    expect(saved(twice('{{@root.title.plainText}}'.repeat(2)), hipChatTemplateFlavor)).toMatch(
      /\/config\/template.*renders a message of [\d,]+ characters; HipChat takes at most 10,000/,
    );
    expect(saved(twice('{{@root.kind}}'), hipChatTemplateFlavor)).toBeUndefined();
  });

  it('Slack: 40,000 characters of text', () => {
    const text = (body: string) => `{"text":"${twice(body)}"}`;
    expect(saved(text('{{@root.title.plainText}}'.repeat(6)), slackTemplateFlavor)).toMatch(
      /"text" renders [\d,]+ characters; Slack takes at most 40,000 \(msg_too_long\)/,
    );
    expect(saved(text('{{@root.kind}}'), slackTemplateFlavor)).toBeUndefined();
  });

  it('Teams: 28 KB for the card in its envelope', () => {
    const card = (body: string) =>
      `{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"${twice(body)}"}]}`;
    expect(saved(card('{{@root.title.plainText}}'.repeat(4)), teamsTemplateFlavor)).toMatch(
      /renders a message of [\d,]+ bytes; Teams takes at most 28 KB/,
    );
    expect(saved(card('{{@root.kind}}'), teamsTemplateFlavor)).toBeUndefined();
  });
});
