import { describe, expect, it } from 'vitest';
import { asksConfirmation, commentProblem, toggleAsks, toggleOutcomeText } from './change-rules';

describe('what an environment asks of a change', () => {
  it('confirms in a critical environment or one with confirmChanges, nowhere else', () => {
    expect(asksConfirmation({ critical: true })).toBe(true);
    expect(asksConfirmation({ confirmChanges: true })).toBe(true);
    expect(asksConfirmation({ critical: false, confirmChanges: false, requireComments: true })).toBe(false);
    expect(asksConfirmation(undefined)).toBe(false);
  });

  it('requires a comment that is more than blanks where requireComments says so', () => {
    expect(commentProblem({ requireComments: true }, 'Production', '  ')).toBe(
      'Production requires a comment with every change.',
    );
    expect(commentProblem({ requireComments: true }, 'Production', 'Launch')).toBeUndefined();
    expect(commentProblem({ requireComments: false }, 'Test', '')).toBeUndefined();
    expect(commentProblem(undefined, 'Test', '')).toBeUndefined();
  });

  it('opens the toggle confirmation to ask for a missing required comment', () => {
    expect(toggleAsks({ requireComments: true }, '')).toBe(true);
    expect(toggleAsks({ requireComments: true }, 'why')).toBe(false);
    expect(toggleAsks({ critical: true }, 'why')).toBe(true);
    expect(toggleAsks({}, '')).toBe(false);
  });

  it('says what a toggle did and whether the comment went with it', () => {
    expect(toggleOutcomeText({ on: true, flagName: 'Checkout', envName: 'Test', commented: true })).toBe(
      'Turned on Checkout in Test · comment attached',
    );
    expect(toggleOutcomeText({ on: false, flagName: 'Checkout', envName: 'Test', commented: false })).toBe(
      'Turned off Checkout in Test',
    );
  });
});
