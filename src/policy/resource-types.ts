import { didYouMean } from './did-you-mean.js';

/**
 * The resource types a specifier may name, each with the type path that must precede it
 * (`env` lives under `proj`, `token` under `member`). `acct` and the bare `*` are not segments
 * with keys; they stand alone and are handled by the specifier parser.
 */
export const RESOURCE_TYPE_PARENTS: ReadonlyMap<string, readonly string[]> = new Map<
  string,
  readonly string[]
>([
  ['proj', []],
  ['env', ['proj']],
  ['flag', ['proj', 'env']],
  ['segment', ['proj', 'env']],
  ['metric', ['proj']],
  ['member', []],
  ['token', ['member']],
  ['service-token', []],
  ['role', []],
  ['integration', []],
  ['webhook', []],
]);

export const RESOURCE_TYPES: readonly string[] = [...RESOURCE_TYPE_PARENTS.keys()];

/** The `acct` specifier is one segment of this type with an empty key. */
export const ACCOUNT_TYPE = 'acct';

// Names people plausibly type for a resource type that edit distance alone would not suggest.
export const RESOURCE_TYPE_SYNONYMS: Readonly<Record<string, string>> = {
  project: 'proj',
  projects: 'proj',
  environment: 'env',
  environments: 'env',
  feature: 'flag',
  features: 'flag',
  'feature-flag': 'flag',
  goal: 'metric',
  goals: 'metric',
  user: 'member',
  users: 'member',
  account: 'acct',
  accounts: 'acct',
  'access-token': 'token',
  'personal-access-token': 'token',
};

const placeholder = (type: string): string => {
  if (type === 'member') return 'member/ID-or-email';
  return ['proj', 'env', 'flag', 'segment', 'metric', 'role'].includes(type) ? `${type}/KEY` : `${type}/ID`;
};

/** A full example specifier for a type, used in error messages: `proj/KEY:env/KEY:flag/KEY`. */
export const exampleSpecifier = (type: string): string =>
  [...(RESOURCE_TYPE_PARENTS.get(type) ?? []), type].map(placeholder).join(':');

/** Returns why a type path such as `[proj, env, flag]` is not a resource, or undefined if it is. */
export function checkNesting(types: readonly string[]): string | undefined {
  for (let i = 0; i < types.length; i++) {
    const type = types[i]!;
    if (type === ACCOUNT_TYPE) return '"acct" stands alone and cannot be combined with other segments';
    const parents = RESOURCE_TYPE_PARENTS.get(type);
    if (parents === undefined) return describeUnknownType(type);
    const actual = types.slice(0, i);
    if (parents.length === actual.length && parents.every((parent, j) => parent === actual[j])) continue;
    return parents.length === 0
      ? `"${type}" is a top-level resource and cannot follow "${actual.join(':')}"; write ${exampleSpecifier(type)}`
      : `"${type}" must be nested as ${exampleSpecifier(type)}`;
  }
  return undefined;
}

export function describeUnknownType(type: string): string {
  const suggestion = didYouMean(type, [...RESOURCE_TYPES, ACCOUNT_TYPE], RESOURCE_TYPE_SYNONYMS);
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  return `unknown resource type "${type}"${hint}`;
}
