import { describe, expect, it } from 'vitest';
import type { Actor } from '../audit/audit-model.js';
import { environmentShownTo, withoutSdkKeysIn } from './sdk-keys.js';

const keys = { apiKey: 'sdk-0123456789', mobileKey: 'mob-0123456789' };
const env = { key: 'production', tags: ['live'], name: 'Production', ...keys };
const project = { key: 'default', tags: ['web'] };
const member = { _id: 'm', email: 'a@b.c' };

describe('SDK keys', () => {
  it('are shown only with viewSdkKey on the environment, its tags included', () => {
    const asked: string[] = [];
    const reader: Actor = {
      member,
      can: (action, resource) => {
        asked.push(`${action} ${resource.map((s) => `${s.type}/${s.key};${s.tags.join(',')}`).join(':')}`);
        return false;
      },
    };
    expect(environmentShownTo(reader, project, env)).toEqual({
      ...env,
      apiKey: '********',
      mobileKey: '********',
    });
    expect(asked).toEqual(['viewSdkKey proj/default;web:env/production;live']);
    const writer: Actor = { member, can: () => true };
    expect(environmentShownTo(writer, project, env)).toBe(env);
  });

  it('never reach an audit entry: masked in the versions, redacted elsewhere', () => {
    const change = withoutSdkKeysIn(
      {
        kind: 'project',
        name: 'Default',
        actor: { member },
        comment: `rotating ${keys.apiKey}`,
        accesses: [],
        titleVerb: 'updated the project',
        changes: [],
        previousVersion: { environments: [env] },
        currentVersion: env,
        delta: [{ op: 'test', path: '/apiKey', value: keys.apiKey }],
      },
      [keys],
    );
    const text = JSON.stringify(change);
    expect(text).not.toContain(keys.apiKey);
    expect(text).not.toContain(keys.mobileKey);
    expect(change.currentVersion).toMatchObject({ apiKey: '********', mobileKey: '********' });
  });
});
