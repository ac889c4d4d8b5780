import type { PolicyStatement } from '../api-types';

export interface PolicySnippet {
  readonly label: string;
  readonly description: string;
  readonly statements: readonly PolicyStatement[];
}

/** Ready-made filters in the custom-roles syntax; each replaces what is in the editor. */
export const policySnippets: readonly PolicySnippet[] = [
  {
    label: 'Production flags only',
    description: 'Every change to a flag in any project’s production environment.',
    statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['*'] }],
  },
  {
    label: 'Team changes only',
    description: 'Members invited, removed or given a new role, and custom roles changed.',
    statements: [{ effect: 'allow', resources: ['member/*', 'role/*'], actions: ['*'] }],
  },
  {
    label: 'Kill switches in production',
    description: 'Only flags turned on or off in production.',
    statements: [{ effect: 'allow', resources: ['proj/*:env/production:flag/*'], actions: ['updateOn'] }],
  },
  {
    label: 'Everything',
    description: 'No filter: every change in Switchboard.',
    statements: [],
  },
];

/** The editor text for a policy (`[]`, the empty filter, lets every change through). */
export function formatPolicy(statements: readonly PolicyStatement[]): string {
  return JSON.stringify(statements, null, 2);
}
