import type { Statement } from '../../policy/policy-statement.js';
import type { BuiltInRole } from '../members/member-model.js';

/** Every project-scoped resource: what a writer may change. */
const projectResources = [
  'proj/*',
  'proj/*:env/*',
  'proj/*:env/*:flag/*',
  'proj/*:env/*:segment/*',
  'proj/*:metric/*',
];

/**
 * The built-in roles, written in the same policy language as custom roles, so one evaluator
 * decides for everybody. `{self}` stands for the member's id: everyone may manage their own
 * personal access tokens, which can never do more than their member (see Permissions).
 */
const ownTokens: Statement = { effect: 'allow', resources: ['member/{self}:token/*'], actions: ['*'] };

const definitions: Record<BuiltInRole, readonly Statement[]> = {
  no_access: [ownTokens],
  reader: [{ effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] }, ownTokens],
  writer: [{ effect: 'allow', resources: projectResources, actions: ['*'] }, ownTokens],
  admin: [{ effect: 'allow', resources: ['*'], actions: ['*'] }],
  owner: [{ effect: 'allow', resources: ['*'], actions: ['*'] }],
};

export function builtInPolicy(role: BuiltInRole, memberId: string): Statement[] {
  return definitions[role].map(
    (s) => JSON.parse(JSON.stringify(s).replaceAll('{self}', memberId)) as Statement,
  );
}

/**
 * A built-in role without the right every member has over their own tokens: what giving the
 * role to someone else hands on (their own tokens are no right over anybody else's).
 */
export function transferablePolicy(role: BuiltInRole): Statement[] {
  return definitions[role].filter((s) => s !== ownTokens).map((s) => structuredClone(s) as Statement);
}

/** Ranks for "a token may not carry a higher built-in role than its creator". */
export const roleRank: Record<BuiltInRole, number> = {
  no_access: 0,
  reader: 1,
  writer: 2,
  admin: 3,
  owner: 4,
};
