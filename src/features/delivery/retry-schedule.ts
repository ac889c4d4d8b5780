/**
 * When to try a delivery again. `schedule[i]` is the delay in seconds before attempt i+1
 * (`SWITCHBOARD_RETRY_SCHEDULE`, default 0,5,30,120,600,1800,3600): chat messages lose value with
 * age, so the schedule is short and then the delivery is dead (kept, visible, re-sendable).
 * Jitter of ±20 % keeps a fleet of failing integrations from retrying in lockstep.
 */
export function nextAttemptAt(
  schedule: readonly number[],
  attemptsMade: number,
  now: number,
  random: () => number = Math.random,
  notBefore?: number,
): number | undefined {
  const seconds = schedule[attemptsMade];
  if (seconds === undefined) return undefined;
  const jittered = seconds * 1000 * (0.8 + 0.4 * random());
  const at = now + Math.round(jittered);
  return notBefore === undefined ? at : Math.max(at, notBefore);
}
