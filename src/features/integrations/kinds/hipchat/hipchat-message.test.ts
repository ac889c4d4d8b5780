import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findHipChatHtmlProblems,
  hipChatVisibleText,
} from '../../../../../test/fake-hipchat/hipchat-html.js';
import { buildAuditRecord, type ChangeDescription, mdValue } from '../../../audit/audit-builder.js';
import type { AuditEntry } from '../../../audit/audit-model.js';
import { escapeHtml } from '../../rendering/audit-html.js';
import { safeHref } from '../../rendering/audit-markdown.js';
import {
  hipChatColorFor,
  hipChatMessageLimit,
  renderHipChatMessage,
  renderHipChatTestMessage,
} from './hipchat-message.js';

const baseUrl = 'https://flags.example.com';
const ariel = {
  member: { _id: 'a'.repeat(24), email: 'ariel@acme.com', firstName: 'Ariel', lastName: 'Flores' },
};

function flagAccess(action: string, flag = 'new-checkout') {
  return {
    action,
    resource: [
      { type: 'proj', key: 'default', tags: [] },
      { type: 'env', key: 'production', tags: [] },
      { type: 'flag', key: flag, tags: [] },
    ],
  };
}

/** Entries built by the real audit builder, so titles and descriptions are what production writes. */
function entry(overrides: Partial<ChangeDescription> = {}): AuditEntry {
  const change: ChangeDescription = {
    id: 'b'.repeat(24),
    date: 1_700_000_000_000,
    kind: 'flag',
    name: 'New checkout',
    actor: ariel,
    accesses: [flagAccess('updateOn')],
    titleVerb: 'turned on the flag',
    sitePath: '/default/production/features/new-checkout',
    environmentName: 'Production',
    changes: ['Turned the flag on'],
    ...overrides,
  };
  return buildAuditRecord(change, baseUrl).entry;
}

describe('renderHipChatMessage', () => {
  it('renders the reference example exactly', () => {
    const message = renderHipChatMessage(entry({ comment: 'Ship it' }), { notify: false });
    expect(message).toEqual({
      from: 'Switchboard',
      message_format: 'html',
      color: 'green',
      notify: false,
      message:
        '<b>Ariel Flores</b> turned on the flag <a href="https://flags.example.com/default/production/features/new-checkout">New checkout</a> in <code>Production</code><br><i>Ship it</i>',
    });
  });

  it('passes notify and from through, clipping from at 64 characters', () => {
    expect(renderHipChatMessage(entry(), { notify: true, from: 'Flags' })).toMatchObject({
      notify: true,
      from: 'Flags',
    });
    expect(renderHipChatMessage(entry(), { notify: false, from: 'x'.repeat(80) }).from).toBe('x'.repeat(64));
    // A surrogate pair straddling the limit is dropped whole, not split.
    expect(renderHipChatMessage(entry(), { notify: false, from: `${'x'.repeat(63)}😀` }).from).toBe(
      'x'.repeat(63),
    );
  });

  it('summarizes an edit as a list of before → after lines, Markdown rendered', () => {
    const message = renderHipChatMessage(
      entry({
        accesses: [flagAccess('updateFallthrough')],
        titleVerb: 'updated the flag',
        changes: [
          'Changed the default rule from *false* to *true*',
          `Changed the name from ${mdValue('a*b')} to **bold**`,
        ],
      }),
      { notify: false },
    ).message;
    expect(message).toContain(
      '<ul><li>Changed the default rule from <i>false</i> to <i>true</i></li><li>Changed the name from <i>a*b</i> to <b>bold</b></li></ul>',
    );
  });

  it('leaves out the summary of a toggle, whose title already says it', () => {
    expect(renderHipChatMessage(entry(), { notify: false }).message).not.toContain('<ul>');
  });

  it('renders code spans literally, without unescaping inside them', () => {
    const message = renderHipChatMessage(
      entry({ titleVerb: 'updated the flag', changes: ['Changed the rules from `[{"a":"\\*"}]` to `[]`'] }),
      { notify: false },
    ).message;
    expect(message).toContain('<code>[{&quot;a&quot;:&quot;\\*&quot;}]</code> to <code>[]</code>');
  });

  it('cuts a long summary to 10 lines and says how many were left out', () => {
    const changes = Array.from({ length: 13 }, (_, i) => `Changed field ${i}`);
    const message = renderHipChatMessage(entry({ titleVerb: 'updated the flag', changes }), {
      notify: false,
    }).message;
    expect(message.match(/<li>/g)).toHaveLength(11);
    expect(message).toContain('<li>Changed field 9</li><li>and 3 more changes</li></ul>');
  });

  it('escapes a flag named like an XSS payload, keeping it readable as text', () => {
    const name = '<img src=x onerror=alert(1)>';
    const message = renderHipChatMessage(entry({ name, comment: '<script>alert("c")</script> & co' }), {
      notify: false,
    }).message;
    expect(message).toContain('>&lt;img src=x onerror=alert(1)&gt;</a>');
    expect(message).toContain('<i>&lt;script&gt;alert(&quot;c&quot;)&lt;/script&gt; &amp; co</i>');
    expect(findHipChatHtmlProblems(message)).toEqual([]);
    expect(hipChatVisibleText(message)).toContain(name);
  });

  it('keeps Markdown-looking names literal (the builder escaped them)', () => {
    const name = '*[x](javascript:alert(1))* _y_ `z` \\';
    const message = renderHipChatMessage(entry({ name }), { notify: false }).message;
    expect(message).toContain('>*[x](javascript:alert(1))* _y_ `z` \\</a>');
    expect(message).not.toContain('href="javascript');
  });

  it('escapes environment names and actor names', () => {
    const message = renderHipChatMessage(
      entry({
        environmentName: 'Prod <b>',
        actor: { member: { _id: 'c'.repeat(24), email: 'x@acme.com', firstName: '<i>Eve</i>' } },
      }),
      { notify: false },
    ).message;
    expect(message).toContain('<b>&lt;i&gt;Eve&lt;/i&gt;</b>');
    expect(message).toContain('<code>Prod &lt;b&gt;</code>');
  });

  it('renders a multi-line comment with <br> and escapes it', () => {
    const message = renderHipChatMessage(entry({ comment: 'line 1\nline <2>' }), { notify: false }).message;
    expect(message).toContain('<br><i>line 1<br>line &lt;2&gt;</i>');
  });

  it('leaves out an empty or blank comment', () => {
    expect(renderHipChatMessage(entry({ comment: '   ' }), { notify: false }).message).not.toContain('<i>');
  });

  it('names a deleted resource without a link', () => {
    const message = renderHipChatMessage(
      entry({
        accesses: [flagAccess('deleteFlag')],
        titleVerb: 'deleted the flag',
        sitePath: undefined,
        environmentName: undefined,
        changes: [],
      }),
      { notify: false },
    );
    expect(message.message).toBe('<b>Ariel Flores</b> deleted the flag New checkout');
    expect(message.color).toBe('red');
  });

  it('links only http(s) targets; other link schemes keep their text', () => {
    const base = entry();
    const cases: [string, string][] = [
      ['[a](https://x.example/p?q=1&r=2)', '<a href="https://x.example/p?q=1&amp;r=2">a</a>'],
      ['[a](http://x.example/)', '<a href="http://x.example/">a</a>'],
      ['[a](javascript:alert(1))', 'a'],
      ['[a](data:text/html,x)', 'a'],
      ['[a](/relative)', 'a'],
      ['[a](mailto:a@b.c)', '<b>a</b>'],
      ['[a](https://x.example/"onmouseover=")', '<a href="https://x.example/%22onmouseover=%22">a</a>'],
      ['[a [b](https://in.example)](https://out.example)', '<a href="https://out.example/">a b</a>'],
      ['[unclosed](https://x.example', '[unclosed](https://x.example'],
    ];
    for (const [title, html] of cases) {
      expect(renderHipChatMessage({ ...base, title }, { notify: false }).message, title).toBe(html);
    }
  });

  it('treats unmatched emphasis markers as text', () => {
    const base = entry();
    expect(renderHipChatMessage({ ...base, title: 'a * b ** c' }, { notify: false }).message).toBe(
      'a * b ** c',
    );
    expect(renderHipChatMessage({ ...base, title: '**' }, { notify: false }).message).toBe('**');
  });

  it('renders hostile Markdown (thousands of unmatched or nested markers) as text, quickly', () => {
    const base = entry();
    const hostile = [
      '['.repeat(12_000),
      '*'.repeat(12_000),
      `${'['.repeat(3_000)}x${'](https://a.example)'.repeat(3_000)}`,
    ];
    for (const title of hostile) {
      const started = performance.now();
      const { message } = renderHipChatMessage({ ...base, title }, { notify: false });
      // Quadratic parsing took 770 ms for the first of these; linear-bounded takes ~20 ms.
      expect(performance.now() - started).toBeLessThan(500);
      expect(message.length).toBeLessThanOrEqual(hipChatMessageLimit);
      expect(findHipChatHtmlProblems(message)).toEqual([]);
    }
    expect(renderHipChatMessage({ ...base, title: '['.repeat(100) }, { notify: false }).message).toBe(
      '['.repeat(100),
    );
    // Links past the nesting limit keep their words; only the outermost is a link.
    const nested = renderHipChatMessage(
      {
        ...base,
        title:
          '[[[[[[x](https://a.example)](https://a.example)](https://a.example)](https://a.example)](https://a.example)](https://a.example)',
      },
      { notify: false },
    ).message;
    expect(nested.match(/<a /g)).toHaveLength(1);
  });

  it('falls back to the name when the title is empty, and never sends an empty message', () => {
    const base = entry();
    expect(renderHipChatMessage({ ...base, title: '' }, { notify: false }).message).toBe('New checkout');
    expect(renderHipChatMessage({ ...base, title: '', name: '' }, { notify: false }).message).toBe(
      'A flag changed',
    );
  });

  it('cuts an oversized message at 10,000 characters, closing tags and marking the cut', () => {
    const message = renderHipChatMessage(entry({ name: 'N'.repeat(20_000) }), { notify: false }).message;
    expect(message.length).toBeLessThanOrEqual(hipChatMessageLimit);
    expect(message.length).toBeGreaterThan(hipChatMessageLimit - 20);
    expect(message.endsWith('N…</a>')).toBe(true);
    expect(findHipChatHtmlProblems(message)).toEqual([]);
  });

  it('never cuts inside an entity', () => {
    const message = renderHipChatMessage(entry({ name: '&'.repeat(5_000) }), { notify: false }).message;
    expect(message.length).toBeLessThanOrEqual(hipChatMessageLimit);
    expect(message).toMatch(/(&amp;)+…<\/a>$/);
    expect(findHipChatHtmlProblems(message)).toEqual([]);
  });

  it('puts the cut marker in a list item when the cut falls between items', () => {
    const changes = Array.from({ length: 10 }, (_, i) => `${i}${'x'.repeat(1_100)}`);
    const message = renderHipChatMessage(
      entry({ titleVerb: 'updated the flag', changes, comment: 'c'.repeat(500) }),
      { notify: false },
    ).message;
    expect(message.length).toBeLessThanOrEqual(hipChatMessageLimit);
    expect(message.endsWith('…</li></ul>')).toBe(true);
    expect(findHipChatHtmlProblems(message)).toEqual([]);
  });

  it('does not leave an empty element at the cut', () => {
    const base = entry();
    const title = `${'a'.repeat(hipChatMessageLimit - 15)} [x](https://example.com/long/enough/path)`;
    const message = renderHipChatMessage({ ...base, title }, { notify: false }).message;
    expect(message).not.toMatch(/<a [^>]*><\/a>/);
    expect(message.endsWith('…')).toBe(true);
  });
});

describe('hipChatColorFor', () => {
  // name, entry kind, its one access's action (none: undefined), title verb, colour
  const cases: [string, string, string | undefined, string, string][] = [
    ['turning on', 'flag', 'updateOn', 'turned on the flag', 'green'],
    ['turning off', 'flag', 'updateOn', 'turned off the flag', 'red'],
    ['creating', 'flag', 'createFlag', 'created the flag', 'green'],
    ['creating a metric', 'metric', 'createMetric', 'created the metric', 'green'],
    ['deleting', 'environment', 'deleteEnvironment', 'deleted the environment', 'red'],
    ['another update', 'flag', 'updateRules', 'updated the flag', 'yellow'],
    ['toggles in several environments', 'flag', 'updateOn', 'updated the flag', 'yellow'],
    ['archiving', 'flag', 'updateGlobalArchived', 'archived the flag', 'yellow'],
    ['a member invited', 'member', 'createMember', 'invited the member', 'purple'],
    ['a role deleted', 'role', 'deleteRole', 'deleted the role', 'purple'],
    ['a token reset', 'token', 'resetAccessToken', 'reset the access token', 'purple'],
    ['an integration switched on', 'integration', 'updateOn', 'turned on the integration', 'gray'],
    ['a webhook created', 'webhook', 'createWebhook', 'created the webhook', 'gray'],
    ['no accesses', 'project', undefined, 'updated the project', 'yellow'],
  ];
  it.each(cases)('%s', (_name, kind, action, titleVerb, color) => {
    const accesses = action === undefined ? [] : [{ action, resource: 'x' }];
    expect(hipChatColorFor({ kind, accesses, titleVerb })).toBe(color);
  });
});

describe('helpers', () => {
  it('escapeHtml escapes the five significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('safeHref allows http, https and mailto only', () => {
    expect(safeHref('https://a.example/x y')).toBe('https://a.example/x%20y');
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
    expect(safeHref('JavaScript:alert(1)')).toBeUndefined();
    expect(safeHref('vbscript:x')).toBeUndefined();
    expect(safeHref('not a url')).toBeUndefined();
  });
});

describe('renderHipChatTestMessage', () => {
  it('is gray, escaped, and names the integration and the actor', () => {
    const message = renderHipChatTestMessage('Ops <room>', 'Ariel & co');
    expect(message).toEqual({
      from: 'Switchboard',
      message_format: 'html',
      color: 'gray',
      notify: false,
      message:
        '<b>Ariel &amp; co</b> sent a test notification for the integration <b>Ops &lt;room&gt;</b>. Changes that match its policy will appear in this room.',
    });
  });

  it('stays within the limit for huge names', () => {
    const message = renderHipChatTestMessage('n'.repeat(20_000), 'a'.repeat(20_000)).message;
    expect(message.length).toBeLessThanOrEqual(hipChatMessageLimit);
    expect(findHipChatHtmlProblems(message)).toEqual([]);
  });
});

describe('properties', () => {
  const nasty = fc.constantFrom(
    ...'<>&"\'*_[]()\\`#!|~{}\n -:/'.split(''),
    '&amp;',
    '<img src=x onerror=alert(1)>',
    '😀',
    '\u0000',
  );
  const userString = fc.oneof(
    fc.string({ unit: nasty, maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    // Long enough to force the cut; built by repetition so a failure shrinks in moments.
    fc
      .tuple(fc.string({ unit: nasty, minLength: 1, maxLength: 8 }), fc.integer({ min: 300, max: 12_000 }))
      .map(([piece, times]) => piece.repeat(times).slice(0, 12_000)),
  );
  const value = fc.oneof(
    userString,
    fc.integer(),
    fc.boolean(),
    fc.array(userString, { maxLength: 4 }),
    fc.dictionary(userString, userString, { maxKeys: 3 }),
  );
  const change = fc.oneof(
    fc
      .tuple(userString, value, value)
      .map(([label, before, after]) => `Changed ${label} from ${mdValue(before)} to ${mdValue(after)}`),
    // Raw, not builder-made: the renderer must survive any description text.
    userString,
  );
  const changeDescription = fc.record({
    name: userString,
    comment: fc.option(userString, { nil: undefined }),
    environmentName: fc.option(userString, { nil: undefined }),
    firstName: userString,
    sitePath: fc.option(
      userString.map((s) => `/default/production/features/${s}`),
      { nil: undefined },
    ),
    titleVerb: fc.constantFrom(
      'turned on the flag',
      'updated the flag',
      'deleted the flag',
      'invited the member',
    ),
    action: fc.constantFrom('updateOn', 'createFlag', 'deleteFlag', 'updateRules'),
    kind: fc.constantFrom('flag', 'member', 'integration', 'segment'),
    changes: fc.array(change, { maxLength: 14 }),
  });

  it('always fits HipChat: 1–10,000 characters, allowed tags only, balanced, every user string escaped', () => {
    fc.assert(
      fc.property(changeDescription, (c) => {
        const e = entry({
          name: c.name,
          comment: c.comment,
          environmentName: c.environmentName,
          actor: { member: { _id: 'd'.repeat(24), email: 'e@acme.com', firstName: c.firstName } },
          sitePath: c.sitePath,
          titleVerb: c.titleVerb,
          kind: c.kind,
          accesses: [flagAccess(c.action)],
          changes: c.changes,
        });
        const { message, color } = renderHipChatMessage(e, { notify: false });
        expect(message.length).toBeGreaterThanOrEqual(1);
        expect(message.length).toBeLessThanOrEqual(hipChatMessageLimit);
        expect(findHipChatHtmlProblems(message)).toEqual([]);
        expect(['yellow', 'green', 'red', 'purple', 'gray']).toContain(color);
        for (const href of message.matchAll(/href="([^"]*)"/g)) expect(href[1]).toMatch(/^https?:\/\//);
      }),
      { numRuns: 300 },
    );
  });

  it('shows a short enough name verbatim', () => {
    fc.assert(
      fc.property(fc.string({ unit: nasty, minLength: 1, maxLength: 40 }), (name) => {
        const e = entry({
          name,
          titleVerb: 'deleted the flag',
          sitePath: undefined,
          environmentName: undefined,
          changes: [],
        });
        const { message } = renderHipChatMessage(e, { notify: false });
        expect(hipChatVisibleText(message)).toBe(`Ariel Flores deleted the flag ${name}`);
      }),
      { numRuns: 300 },
    );
  });

  it('shows a comment verbatim (line breaks as <br>)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: nasty, minLength: 1, maxLength: 200 }).filter((s) => s.trim() !== ''),
        (comment) => {
          const { message } = renderHipChatMessage(entry({ comment }), { notify: false });
          const shown = message.slice(message.indexOf('<br><i>') + 7, message.lastIndexOf('</i>'));
          expect(hipChatVisibleText(shown.replace(/<br>/g, '\n'))).toBe(comment.replace(/\r\n/g, '\n'));
        },
      ),
      { numRuns: 300 },
    );
  });
});
