import { expect } from 'vitest';
import type { TestSwitchboard } from './test-switchboard.js';

/** A token whose inline role may view projects and switch flags in Test only, not in Production. */
export async function testOnlyToken(t: TestSwitchboard): Promise<string> {
  const token = await t.api('POST', '/api/v2/tokens', {
    name: 'test only',
    inlineRole: [
      { effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] },
      { effect: 'allow', resources: ['proj/*:env/test:flag/*'], actions: ['updateOn'] },
    ],
  });
  expect(token.status, JSON.stringify(token.body)).toBe(201);
  return token.body.token;
}
