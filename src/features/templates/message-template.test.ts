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
import { TemplateError } from './template-error.js';

const [toggle, , hostile] = sampleEntries as [AuditEntry, AuditEntry, AuditEntry];
const json: TemplateFlavor = { target: 'json' };
const render = (source: string, entry: AuditEntry, flavor: TemplateFlavor = json) =>
  renderTemplate(compileTemplate(source, flavor), entry);

describe('HTML templates (HipChat)', () => {
  it('renders the context with HTML escaping; title.html is the formatted title', () => {
    const out = render('<b>{{name}}</b> {{title.html}}', hostile, hipChatTemplateFlavor);
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;');
    expect(render('{{title.html}} · {{member.displayName}}', toggle, hipChatTemplateFlavor)).toBe(
      '<b>Ariel Flores</b> turned on the flag <a href="https://flags.example.com/default/production/features/new-checkout">New checkout</a> in <code>Production</code> · Ariel Flores',
    );
  });

  it('refuses triple-stash and {{& }}', () => {
    expect(() => compileTemplate('{{{name}}}', hipChatTemplateFlavor)).toThrow(TemplateError);
    expect(() => compileTemplate('{{& name}}', hipChatTemplateFlavor)).toThrow(/not allowed/);
  });
});

describe('JSON templates', () => {
  it('exposes the integration-framework context', () => {
    const out = JSON.parse(
      render(
        '{"t":"{{title.plainText}}","m":"{{title.markdown}}","d":"{{details}}","s":{{timestamp.seconds}},"r":"{{timestamp.rfc3339}}","e":"{{project.environment.key}}","p":"{{project.key}}","who":"{{member.displayName}}","c":"{{comment}}","k":"{{kind}}","v":"{{verbKind}}","l":"{{_links.site.href}}"}',
        toggle,
      ),
    );
    expect(out).toEqual({
      t: 'Ariel Flores turned on the flag New checkout in Production',
      m: toggle.title,
      d: '- Turned the flag on',
      s: 1472243938,
      r: '2016-08-26T20:38:58.774Z',
      e: 'production',
      p: 'default',
      who: 'Ariel Flores',
      c: 'Ship it',
      k: 'flag',
      v: 'turned on the flag',
      l: '/default/production/features/new-checkout',
    });
  });

  it('hostile values stay inside their string: quotes, braces, newlines, U+2028, markers', () => {
    for (const name of [hostile.name, '"}, "x": "', 'a\nb', '\uE000"}\uE001', 'back\\', '\u2028']) {
      const out = JSON.parse(render('{"a":"{{name}}","b":["x{{name}}y"]}', { ...toggle, name }));
      expect(Object.keys(out)).toEqual(['a', 'b']);
      expect(out.a).toBe(name.replace(/[\uE000\uE001]/g, ''));
      expect(out.b).toEqual([`x${name.replace(/[\uE000\uE001]/g, '')}y`]);
    }
  });

  it('refuses a value outside a string, and a value right after a backslash', () => {
    expect(() => render('{"a": {{name}} }', toggle)).toThrow(/outside a JSON string/);
    expect(() => render('{"a": "x\\\\{{name}}"}', { ...toggle, name: '"' })).toThrow(/backslash/);
    expect(() => render('{"a": [{{#each accesses}}"{{action}}"{{/each}}]}', toggle)).not.toThrow();
  });

  it('numbers may sit outside strings; invalid JSON is refused with the parser message', () => {
    expect(JSON.parse(render('{"ms": {{timestamp.milliseconds}} }', toggle))).toEqual({ ms: 1472243938774 });
    expect(() => render('{"a": "x",}', toggle)).toThrow(/does not render valid JSON/);
  });

  it('Slack: user text escaped once; title.markdown is Slack mrkdwn, not escaped again', () => {
    const out = JSON.parse(render('{"text":"{{title.markdown}} {{name}}"}', hostile, slackTemplateFlavor));
    expect(out.text).not.toMatch(/<[^h]/);
    const plain = JSON.parse(render('{"text":"{{title.markdown}}"}', toggle, slackTemplateFlavor));
    expect(plain.text).toBe(
      '*Ariel Flores* turned on the flag <https://flags.example.com/default/production/features/new-checkout|New checkout> in `Production`',
    );
    // Links, times and ids are machine values: Teams' Markdown escaping would break them.
    const card = JSON.parse(
      render(
        '{"type":"AdaptiveCard","version":"1.4","body":[],"url":"{{_links.site.href}}","at":"{{timestamp.rfc3339}}"}',
        toggle,
        teamsTemplateFlavor,
      ),
    );
    expect(card.url).toBe('/default/production/features/new-checkout');
    expect(card.at).toBe('2016-08-26T20:38:58.774Z');
  });

  it('Teams: title.markdown keeps its links; names are backslash-escaped', () => {
    const out = JSON.parse(
      render(
        '{"type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"{{title.markdown}}|{{name}}"}]}',
        toggle,
        teamsTemplateFlavor,
      ),
    );
    expect(out.body[0].text).toBe(
      '**Ariel Flores** turned on the flag [New checkout](https://flags.example.com/default/production/features/new-checkout) in Production|New checkout',
    );
  });

  it('only built-in helpers: an unknown helper is a compile error', () => {
    expect(() => render('{"a":"{{lowercase name}}"}', toggle)).toThrow(TemplateError);
  });
});

describe('validateTemplate', () => {
  it('a problem is a ValidationError at the pointer, including the per-channel shape', () => {
    const at = (source: string, flavor: TemplateFlavor) => {
      try {
        validateTemplate(source, flavor, '/config/template');
        return undefined;
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).message;
      }
    };
    expect(at('{{#if}}', hipChatTemplateFlavor)).toContain('/config/template');
    expect(at('{"blocks": []}', slackTemplateFlavor)).toContain('no_text');
    expect(at('{"text": "{{comment}}"}', slackTemplateFlavor)).toContain('no_text');
    expect(at('{"text": "{{name}}"}', slackTemplateFlavor)).toBeUndefined();
    expect(at('{"text": "{{name}}"}', teamsTemplateFlavor)).toContain('AdaptiveCard');
    expect(at('{{#if comment}}{{comment}}{{/if}}', hipChatTemplateFlavor)).toContain('empty');
  });
});
