import { describe, expect, it } from 'vitest';
import {
  changeSummary,
  inlineMarkdownToText,
  parseInline,
  renderInline,
  summaryLineLimit,
} from './audit-markdown.js';

const brackets = {
  text: (t: string) => t,
  code: (t: string) => `<code ${t}>`,
  em: (t: string) => `<em ${t}>`,
  strong: (t: string) => `<strong ${t}>`,
  link: (href: string, words: string) => `<link ${href} ${words}>`,
};

describe('renderInline (every kind writes parsed audit Markdown through it)', () => {
  it('writes each node in the kind syntax', () => {
    expect(renderInline(parseInline('*a* **b** `c` [d](https://x.example/)'), brackets)).toBe(
      '<em a> <strong b> <code c> <link https://x.example/ d>',
    );
  });

  it('keeps the words of unsafe links and of links inside links; people are in bold', () => {
    expect(renderInline(parseInline('[x](javascript:alert(1))'), brackets)).toBe('x');
    expect(renderInline(parseInline('[Ariel](mailto:a@b.c)'), brackets)).toBe('<strong Ariel>');
    expect(renderInline(parseInline('[a [b](https://b.example/)](https://a.example/)'), brackets)).toBe(
      '<link https://a.example/ a b>',
    );
  });

  it('inlineMarkdownToText keeps only the words', () => {
    expect(inlineMarkdownToText('**Ariel** turned on [`flag`](https://x.example/)')).toBe(
      'Ariel turned on flag',
    );
  });
});

describe('changeSummary', () => {
  const entry = (lines: number, titleVerb = 'updated the flag') => ({
    titleVerb,
    description: Array.from({ length: lines }, (_, i) => `- change ${i + 1}`).join('\n'),
  });

  it('lists the description lines without their markers, at most ten, then how many more', () => {
    expect(changeSummary(entry(2))).toEqual({ lines: ['change 1', 'change 2'], more: undefined });
    const eleven = changeSummary(entry(summaryLineLimit + 1));
    expect(eleven?.lines).toHaveLength(summaryLineLimit);
    expect(eleven?.more).toBe('and 1 more change');
    expect(changeSummary(entry(summaryLineLimit + 3))?.more).toBe('and 3 more changes');
  });

  it('adds nothing to a toggle, whose title says it all, or to an empty description', () => {
    expect(changeSummary(entry(3, 'turned on the flag'))).toBeUndefined();
    expect(changeSummary(entry(0))).toBeUndefined();
  });
});
