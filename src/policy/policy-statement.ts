export type Effect = 'allow' | 'deny';

type ResourceSide =
  | { readonly resources: readonly string[]; readonly notResources?: undefined }
  | { readonly notResources: readonly string[]; readonly resources?: undefined };

type ActionSide =
  | { readonly actions: readonly string[]; readonly notActions?: undefined }
  | { readonly notActions: readonly string[]; readonly actions?: undefined };

/**
 * One statement of a policy, in LaunchDarkly's JSON shape. The type admits exactly one of each
 * pair; `validatePolicy` is what proves untrusted JSON has this shape.
 */
export type Statement = { readonly effect: Effect } & ResourceSide & ActionSide;

export const STATEMENT_FIELDS: readonly string[] = [
  'effect',
  'resources',
  'notResources',
  'actions',
  'notActions',
];
