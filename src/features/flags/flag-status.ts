import type { FlagEnvironmentDoc, VariationOrRollout } from './flag-model.js';

/** LaunchDarkly's flag statuses (GET /flag-statuses/…). */
export type FlagStatusName = 'new' | 'active' | 'inactive' | 'launched';

/** The window every rule looks back over: seven days. */
export const statusWindowMs = 7 * 24 * 60 * 60 * 1000;

export interface FlagStatusInput {
  readonly creationDate: number;
  /** The flag's configuration in the environment. */
  readonly config: FlagEnvironmentDoc;
  /** When an SDK last reported evaluating the flag in the environment, if ever. */
  readonly lastRequested: number | undefined;
  readonly now: number;
}

function served(target: VariationOrRollout): number[] {
  if (target.variation !== undefined) return [target.variation];
  return (target.rollout?.variations ?? []).filter((v) => v.weight > 0).map((v) => v.variation);
}

/**
 * The variations the configuration can serve to a context. When the flag is on: those of the
 * targets, the rules and the default rule, and the off variation too when there are
 * prerequisites (a context that fails one gets it). When off: the off variation.
 */
export function servableVariations(config: FlagEnvironmentDoc): Set<number> {
  if (!config.on) return new Set([config.offVariation]);
  const found = new Set<number>(served(config.fallthrough));
  for (const target of config.targets) if (target.values.length > 0) found.add(target.variation);
  for (const rule of config.rules) for (const v of served(rule)) found.add(v);
  if (config.prerequisites.length > 0) found.add(config.offVariation);
  return found;
}

/**
 * A flag's status in one environment, by the rules LaunchDarkly documents:
 * - `new`: not requested in the last seven days, and created less than seven days ago;
 * - `inactive`: not requested in the last seven days, and created seven days ago or more;
 * - `launched`: requested in the last seven days, on, serving one variation to every context
 *   (see servableVariations), and its configuration in the environment unchanged for seven days;
 * - `active`: requested in the last seven days, otherwise (several variations, off, or changed
 *   in the last seven days).
 * "Requested" is an evaluation reported by an SDK's analytics events (POST /bulk), as
 * LaunchDarkly counts them; an SDK that sends no events leaves its flags `new` or `inactive`.
 */
export function flagStatus(input: FlagStatusInput): FlagStatusName {
  const { config, lastRequested, now } = input;
  const since = now - statusWindowMs;
  if (lastRequested === undefined || lastRequested <= since) {
    return input.creationDate > since ? 'new' : 'inactive';
  }
  const launched = config.on && servableVariations(config).size === 1 && config.lastModified <= since;
  return launched ? 'launched' : 'active';
}
