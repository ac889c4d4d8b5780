import type { Environment } from '../api-types';

/** What an environment asks of every change made in it (see the environments page). */
export type ChangeRules = Pick<Environment, 'requireComments' | 'confirmChanges' | 'critical'>;

/** A change in a critical environment (Production by default) or one that says so is confirmed first. */
export function asksConfirmation(env: ChangeRules | undefined): boolean {
  return env?.critical === true || env?.confirmChanges === true;
}

/** Why `comment` cannot go with a change in `envName`, or undefined when it can. */
export function commentProblem(
  env: ChangeRules | undefined,
  envName: string,
  comment: string,
): string | undefined {
  return env?.requireComments === true && comment.trim() === ''
    ? `${envName} requires a comment with every change.`
    : undefined;
}

/**
 * Whether turning a flag on or off opens the confirmation: where the environment asks for one,
 * and where it requires a comment that the page's comment box does not hold yet.
 */
export function toggleAsks(env: ChangeRules | undefined, comment: string): boolean {
  return asksConfirmation(env) || commentProblem(env, '', comment) !== undefined;
}

/** What a saved toggle says: "Turned on New checkout in Test · comment attached". */
export function toggleOutcomeText(change: {
  readonly on: boolean;
  readonly flagName: string;
  readonly envName: string;
  readonly commented: boolean;
}): string {
  const what = `Turned ${change.on ? 'on' : 'off'} ${change.flagName} in ${change.envName}`;
  return change.commented ? `${what} · comment attached` : what;
}

/** Why a change in `envName` is being confirmed, in one sentence. */
export function confirmationReason(env: ChangeRules | undefined, envName: string): string {
  return env?.confirmChanges === true
    ? `${envName} asks for every change to be confirmed.`
    : `${envName} is a critical environment.`;
}
