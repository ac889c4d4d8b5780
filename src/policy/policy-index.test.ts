import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import { PolicyIndex } from './policy-index.js';
import type { Statement } from './policy-statement.js';
import { parseTaggedResource, type TaggedAccess } from './resource.js';

const allow = (resources: string[], actions: string[] = ['*']): Statement => ({
  effect: 'allow',
  resources,
  actions,
});
const policy = (...statements: Statement[]) => compilePolicy(statements);
const access = (action: string, resource: string): TaggedAccess => ({
  action,
  resource: parseTaggedResource(resource),
});

const sorted = (ids: string[]): string[] => [...ids].sort();

describe('PolicyIndex', () => {
  const index = new PolicyIndex<string>([
    { id: 'no-policy', policy: null },
    { id: 'empty-policy', policy: policy() },
    { id: 'production', policy: policy(allow(['proj/*:env/production:flag/*'])) },
    { id: 'mobile-project', policy: policy(allow(['proj/mobile:env/*:flag/*'])) },
    { id: 'ops-flags', policy: policy(allow(['proj/*:env/*:flag/ops_*'], ['updateOn'])) },
    { id: 'qa-envs', policy: policy(allow(['proj/*:env/*;qa_*:flag/*'])) },
    {
      id: 'all-but-experimental',
      policy: policy(allow(['proj/*:env/*:flag/*']), {
        effect: 'deny',
        resources: ['proj/*:env/*:flag/*;experimental'],
        actions: ['*'],
      }),
    },
    {
      id: 'not-production',
      policy: policy({ effect: 'allow', notResources: ['proj/*:env/production:flag/*'], actions: ['*'] }),
    },
    { id: 'everything', policy: policy(allow(['*'])) },
    { id: 'deny-only', policy: policy({ effect: 'deny', resources: ['*'], actions: ['*'] }) },
    { id: 'alice', policy: policy(allow(['member/alice@acme.com'])) },
    { id: 'account', policy: policy(allow(['acct'])) },
  ]);
  const always = ['no-policy', 'empty-policy'];

  it.each<[string, TaggedAccess[], string[]]>([
    [
      'a flag turned on in production',
      [access('updateOn', 'proj/default:env/production:flag/new-checkout')],
      ['production', 'all-but-experimental'],
    ],
    [
      'a kill switch turned on in test',
      [access('updateOn', 'proj/default:env/test:flag/ops_kill')],
      ['ops-flags', 'all-but-experimental', 'not-production'],
    ],
    [
      'a rule change on an experimental flag in a QA environment',
      [access('updateRules', 'proj/default:env/qa;qa_east:flag/x;experimental')],
      ['qa-envs', 'not-production'],
    ],
    [
      'a flag created in a project with two environments',
      [
        access('createFlag', 'proj/mobile:env/production:flag/x'),
        access('createFlag', 'proj/mobile:env/test:flag/x'),
      ],
      ['production', 'mobile-project', 'all-but-experimental', 'not-production'],
    ],
    [
      'a member found by email',
      [
        {
          action: 'updateRole',
          resource: [{ type: 'member', key: 'id-1', tags: [], aliases: ['alice@acme.com'] }],
        },
      ],
      ['alice', 'not-production'],
    ],
    ['an account change', [access('updateName', 'acct')], ['account', 'not-production']],
    ['an entry without accesses (only a missing or empty policy hears it)', [], []],
  ])('%s', (_name, accesses, expected) => {
    const everything = accesses.length > 0 ? ['everything'] : [];
    expect(sorted(index.match(accesses))).toEqual(sorted([...always, ...everything, ...expected]));
  });

  it('returns each id once even when several accesses match', () => {
    const accesses = [
      access('createFlag', 'proj/mobile:env/production:flag/x'),
      access('createFlag', 'proj/mobile:env/test:flag/x'),
    ];
    const ids = index.match(accesses);
    expect(ids.length).toBe(new Set(ids).size);
  });

  it('keeps a shared filter while any of its integrations remains', () => {
    const shared = new PolicyIndex<string>([
      { id: 'a', policy: policy(allow(['proj/*:env/production:flag/*'])) },
      { id: 'b', policy: policy(allow(['proj/*:env/production:flag/*'])) },
    ]);
    const inProduction = [access('updateOn', 'proj/x:env/production:flag/y')];
    expect(sorted(shared.match(inProduction))).toEqual(['a', 'b']);
    shared.remove('a');
    expect(shared.match(inProduction)).toEqual(['b']);
    shared.add('b', policy(allow(['proj/*:env/test:flag/*'])));
    expect(shared.match(inProduction)).toEqual([]);
    shared.add('a', policy(allow(['proj/*:env/production:flag/*'])));
    expect(shared.match(inProduction)).toEqual(['a']);
  });

  it('treats filters that differ only in statement order as one', () => {
    const first = allow(['proj/*:env/production:flag/*']);
    const second: Statement = {
      effect: 'deny',
      resources: ['proj/*:env/*:flag/*;experimental'],
      actions: ['*'],
    };
    expect(policy(first, second).fingerprint).toBe(policy(second, first).fingerprint);
    expect(policy(first).fingerprint).not.toBe(policy(first, second).fingerprint);
  });

  it('replaces and removes policies', () => {
    const small = new PolicyIndex<number>([
      { id: 1, policy: policy(allow(['proj/*:env/production:flag/*'])) },
    ]);
    const inTest = [access('updateOn', 'proj/a:env/test:flag/x')];
    expect(small.match(inTest)).toEqual([]);
    small.add(1, policy(allow(['proj/*:env/test:flag/*'])));
    expect(small.match(inTest)).toEqual([1]);
    expect(small.size).toBe(1);
    small.add(2, null);
    expect(sorted(small.match(inTest).map(String))).toEqual(['1', '2']);
    expect(small.remove(1)).toBe(true);
    expect(small.remove(1)).toBe(false);
    expect(small.has(1)).toBe(false);
    expect(small.match(inTest)).toEqual([2]);
    small.add(3, policy({ effect: 'allow', notResources: ['member/*'], actions: ['*'] }));
    expect(sorted(small.match(inTest).map(String))).toEqual(['2', '3']);
    small.remove(3);
    small.remove(2);
    expect(small.match(inTest)).toEqual([]);
    expect(small.size).toBe(0);
  });
});
