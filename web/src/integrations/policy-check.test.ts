import { describe, expect, it } from 'vitest';
import { checkPolicyText } from './policy-check';

describe('checkPolicyText', () => {
  it('takes a blank editor as "no filter"', () => {
    expect(checkPolicyText('  \n')).toEqual({ kind: 'ok', statements: [], warnings: [] });
  });

  it('keeps the statements as written', () => {
    const statements = [
      { effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['updateOn'] },
    ];
    expect(checkPolicyText(JSON.stringify(statements))).toMatchObject({ kind: 'ok', statements });
  });

  it('places a rule violation on its value and statement, with the same message as the server', () => {
    const text = JSON.stringify(
      [
        { effect: 'allow', resources: ['member/*'], actions: ['*'] },
        { effect: 'allow', resources: ['proj/*:env/production:flags/*'], actions: ['*'] },
      ],
      null,
      2,
    );
    const check = checkPolicyText(text);
    expect(check.kind).toBe('invalid');
    if (check.kind !== 'invalid') return;
    const [issue] = check.errors;
    expect(issue).toMatchObject({
      pointer: '/1/resources/0',
      where: 'Statement 2 · resources[0]',
      statement: 1,
      line: 14,
    });
    expect(issue?.message).toContain('unknown resource type "flags" (did you mean "flag"?)');
    expect(text.slice(issue?.span?.start, issue?.span?.end)).toBe('"proj/*:env/production:flags/*"');
    expect(text.slice(issue?.statementSpan?.start, issue?.statementSpan?.end).startsWith('{')).toBe(true);
  });

  it('marks a missing field on the statement that lacks it', () => {
    const check = checkPolicyText('[{"effect": "allow", "actions": ["*"]}]');
    expect(check.kind).toBe('invalid');
    if (check.kind !== 'invalid') return;
    expect(check.errors[0]?.span).toEqual({ start: 1, end: 38 });
  });

  it('gives the line and column of a syntax error', () => {
    expect(checkPolicyText('[\n  {"effect": "allow",}\n]')).toMatchObject({
      kind: 'syntax',
      line: 2,
      column: 22,
    });
  });

  it('refuses what is not a list of statements', () => {
    expect(checkPolicyText('{"effect": "allow"}')).toMatchObject({
      kind: 'invalid',
      errors: [{ pointer: '', where: 'The policy' }],
    });
  });
});
