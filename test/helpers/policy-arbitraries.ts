import fc from 'fast-check';
import type { Statement } from '../../src/policy/policy-statement.js';
import type { ResourceSegment, TaggedAccess, TaggedResource } from '../../src/policy/resource.js';

/**
 * Random policies and resources over small pools, so that random specifiers and resources
 * collide often enough to exercise matches. Shared by the policy engine's property tests.
 */
export const TYPE_PATHS = [
  ['proj'],
  ['proj', 'env'],
  ['proj', 'env', 'flag'],
  ['proj', 'env', 'segment'],
  ['proj', 'metric'],
  ['member'],
  ['member', 'token'],
  ['service-token'],
  ['role'],
  ['integration'],
  ['webhook'],
] as const;
export const KEYS: Readonly<Record<string, readonly string[]>> = {
  proj: ['default', 'mobile'],
  env: ['production', 'test', 'qa'],
  flag: ['ops_kill', 'web_banner'],
  segment: ['beta'],
  metric: ['signups'],
  member: ['m1', 'm2'],
  token: ['t1'],
  'service-token': ['s1'],
  role: ['ops'],
  integration: ['i1'],
  webhook: ['w1'],
};
export const EMAILS: Readonly<Record<string, string>> = { m1: 'alice@acme.com', m2: 'bob@example.com' };
export const TAGS = ['mobile', 'ios', 'qa_east', 'experimental'];
export const ACTIONS = [
  'updateOn',
  'createFlag',
  'updateName',
  'updateTags',
  'createMember',
  'deleteMember',
  'updateRules',
];
export const ACTION_GLOBS = ['*', 'update*', '*Member', ...ACTIONS];
export const KEY_GLOBS = ['*', 'ops_*', '*_banner', '*o*', 'Production', '*@acme.com', 'alice@acme.com'];
export const TAG_GLOBS = [...TAGS, 'qa_*', '*'];

export const segmentArb = (type: string): fc.Arbitrary<ResourceSegment> =>
  fc.record({ key: fc.constantFrom(...KEYS[type]!), tags: fc.subarray(TAGS) }).map(({ key, tags }) => {
    const email = type === 'member' ? EMAILS[key] : undefined;
    return email === undefined ? { type, key, tags } : { type, key, tags, aliases: [email] };
  });

export const resourceArb: fc.Arbitrary<TaggedResource> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<TaggedResource>([{ type: 'acct', key: '', tags: [] }]) },
  {
    weight: 12,
    arbitrary: fc.constantFrom(...TYPE_PATHS).chain((path) => fc.tuple(...path.map(segmentArb))),
  },
);

export const accessArb: fc.Arbitrary<TaggedAccess> = fc.record({
  action: fc.constantFrom(...ACTIONS),
  resource: resourceArb,
});

export const segmentSpecArb = (type: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(...KEYS[type]!, ...KEY_GLOBS),
      fc.oneof(fc.constant([]), fc.subarray(TAG_GLOBS, { minLength: 1, maxLength: 2 })),
    )
    .map(([key, tags]) => `${type}/${key}${tags.length === 0 ? '' : `;${tags.join(',')}`}`);

export const specifierArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('*', 'acct') },
  {
    weight: 10,
    arbitrary: fc
      .constantFrom(...TYPE_PATHS)
      .chain((path) => fc.tuple(...path.map(segmentSpecArb)).map((s) => s.join(':'))),
  },
);

export const listArb = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 1, maxLength: 3 });

export const statementOf = (effect: 'allow' | 'deny'): fc.Arbitrary<Statement> =>
  fc
    .tuple(fc.boolean(), listArb(specifierArb), fc.boolean(), listArb(fc.constantFrom(...ACTION_GLOBS)))
    .map(([negateResources, specs, negateActions, actions]) => {
      const resourceSide = negateResources ? { notResources: specs } : { resources: specs };
      const actionSide = negateActions ? { notActions: actions } : { actions };
      return { effect, ...resourceSide, ...actionSide };
    });

export const statementArb: fc.Arbitrary<Statement> = fc
  .constantFrom('allow' as const, 'deny' as const)
  .chain(statementOf);
export const policyArb = fc.array(statementArb, { maxLength: 6 });
