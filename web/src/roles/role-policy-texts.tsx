import type { PolicyEditorTexts } from '../integrations/policy-editor';
import type { PolicySnippet } from '../integrations/policy-snippets';

/** Ready-made grants for a custom role; each replaces what is in the editor. */
export const roleSnippets: readonly PolicySnippet[] = [
  {
    label: 'Release manager',
    description: 'Turn flags on and off and change their targeting in every environment.',
    statements: [
      {
        effect: 'allow',
        resources: ['proj/*:env/*:flag/*'],
        actions: ['updateOn', 'updateRules', 'updateTargets', 'updateFallthrough', 'updateOffVariation'],
      },
    ],
  },
  {
    label: 'Everything but production',
    description: 'Every flag action outside the production environments.',
    statements: [
      { effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['*'] },
      { effect: 'deny', resources: ['proj/*:env/production:flag/*'], actions: ['*'] },
    ],
  },
  {
    label: 'Kill switch only',
    description: 'Only turn flags on or off, in any environment.',
    statements: [{ effect: 'allow', resources: ['proj/*:env/*:flag/*'], actions: ['updateOn'] }],
  },
];

/** The policy editor's texts for a role: what members holding it may do. */
export const rolePolicyTexts: PolicyEditorTexts = {
  legend: 'Policy',
  hint: (
    <>
      What members and tokens holding this role may do, in the custom-roles syntax: statements with{' '}
      <code>effect</code>, <code>resources</code> (e.g. <code>proj/*:env/production:flag/*</code>) and{' '}
      <code>actions</code> (e.g. <code>updateOn</code>). A deny wins over an allow.
    </>
  ),
  label: 'Role policy (JSON)',
  placeholder: 'Start from a snippet, or write statements as JSON.',
  empty: 'Valid, but empty: the role grants nothing.',
  snippets: roleSnippets,
};
