import type { Statement } from '../../src/policy/policy-statement.js';
import { parseTaggedResource, type TaggedAccess } from '../../src/policy/resource.js';
import { validatePolicy } from '../../src/policy/validate-policy.js';

/** policy.md's first example: production flags only. */
export const PRODUCTION_FLAGS: readonly Statement[] = [
  { effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] },
];

/**
 * A 20-statement role-like policy that uses tags, tag globs, parent-segment tags, key globs,
 * `notResources` and `notActions`, with allows and denies interleaved.
 */
export const TWENTY_STATEMENTS: readonly Statement[] = [
  {
    effect: 'allow',
    resources: ['proj/*:env/production:flag/*'],
    actions: ['updateOn', 'updateRules', 'updateTargets'],
  },
  { effect: 'allow', resources: ['proj/mobile;mobile:env/*:flag/*'], actions: ['*'] },
  { effect: 'allow', resources: ['proj/*:env/*;qa_*:flag/*'], actions: ['*'] },
  { effect: 'deny', resources: ['proj/*:env/*:flag/*;experimental'], actions: ['*'] },
  { effect: 'deny', resources: ['proj/*:env/production:flag/ops_*'], actions: ['deleteFlag'] },
  { effect: 'allow', resources: ['proj/*:env/*:segment/*'], actions: ['update*'] },
  { effect: 'allow', resources: ['member/*'], actions: ['createMember', 'deleteMember', 'updateRole'] },
  { effect: 'deny', resources: ['member/*;owner'], actions: ['deleteMember'] },
  {
    effect: 'allow',
    notResources: ['proj/*:env/production:flag/*', 'proj/*:env/production'],
    actions: ['viewProject'],
  },
  { effect: 'allow', resources: ['proj/*;web,frontend:env/test:flag/web_*'], actions: ['*'] },
  { effect: 'deny', resources: ['proj/legacy:env/*:flag/*'], actions: ['*'] },
  { effect: 'allow', resources: ['proj/*:metric/*'], notActions: ['deleteMetric'] },
  {
    effect: 'allow',
    resources: ['proj/*:env/staging:flag/*', 'proj/*:env/test:flag/*'],
    actions: ['updateOn'],
  },
  {
    effect: 'deny',
    notResources: ['proj/*:env/*:flag/*', 'proj/*:env/*:segment/*', 'member/*', 'proj/*:metric/*'],
    actions: ['delete*'],
  },
  { effect: 'allow', resources: ['integration/*', 'webhook/*'], actions: ['updateOn', 'updateName'] },
  { effect: 'deny', resources: ['proj/*:env/production;locked:flag/*'], actions: ['*'] },
  {
    effect: 'allow',
    resources: ['proj/*:env/*:flag/*;beta'],
    actions: ['updateFallthrough', 'updateOffVariation'],
  },
  { effect: 'allow', resources: ['role/ops-*'], actions: ['updatePolicy'] },
  { effect: 'deny', resources: ['proj/*:env/*:flag/*'], actions: ['updateFlagSalt', 'copyFlagConfigTo'] },
  { effect: 'allow', resources: ['acct'], actions: ['*'] },
];

/** A spread of single accesses, matching and not, with and without tags. */
export const EVALUATION_ACCESSES: readonly TaggedAccess[] = (
  [
    ['updateOn', 'proj/default:env/production:flag/new-checkout'],
    ['updateOn', 'proj/default:env/test:flag/new-checkout'],
    ['updateRules', 'proj/mobile;mobile:env/production:flag/ios-banner;beta'],
    ['createFlag', 'proj/mobile;mobile:env/test:flag/ios-banner'],
    ['updateOn', 'proj/default:env/qa;qa_east:flag/x;experimental'],
    ['deleteFlag', 'proj/default:env/production:flag/ops_kill'],
    ['updateIncluded', 'proj/default:env/production:segment/beta-users'],
    ['createMember', 'member/5f0c0ffee0000000000000a1'],
    ['deleteMember', 'member/5f0c0ffee0000000000000a2;owner'],
    ['viewProject', 'proj/default'],
    ['updateName', 'proj/default:env/production'],
    ['updateOn', 'proj/web;web,frontend:env/test:flag/web_banner'],
    ['updateOn', 'proj/legacy:env/test:flag/old'],
    ['updateEventKey', 'proj/default:metric/signups'],
    ['updateOn', 'proj/default:env/staging:flag/checkout'],
    ['deleteWebhook', 'webhook/abc'],
    ['updateOn', 'integration/abc'],
    ['updateOn', 'proj/default:env/production;locked:flag/checkout'],
    ['updatePolicy', 'role/ops-oncall'],
    ['updateFlagSalt', 'proj/default:env/test:flag/x'],
    ['updateName', 'acct'],
    ['createAccessToken', 'member/5f0c0ffee0000000000000a1:token/t1'],
    ['updateTags', 'proj/default:env/production:flag/beta;beta'],
    ['updateOn', 'proj/p17:env/production:flag/ops_kill_3'],
  ] as const
).map(([action, resource]) => ({ action, resource: parseTaggedResource(resource) }));

/** Fails loudly if a fixture is not a valid policy, so the bench never measures nonsense. */
export function checkedStatements(input: unknown): Statement[] {
  const result = validatePolicy(input);
  if (!result.ok) throw new Error(`bench fixture is not a valid policy: ${JSON.stringify(result.errors)}`);
  return result.statements;
}
