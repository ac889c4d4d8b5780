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

/** A failing queue head with deliveries waiting behind it (see `blockedHeadRetryAt`). */
export interface BlockedHead {
  /** When this delivery's current attempt budget began: its attempt 1 (or its re-send). */
  readonly firstAttemptAt: number;
  readonly now: number;
  /** The longest wait before the next try while deliveries wait behind the head. */
  readonly capMs: number;
  /** The target's own "not before" (Retry-After, a rate-limit reset): always honoured. */
  readonly notBefore?: number | undefined;
}

/**
 * When to try a head again that holds back later deliveries. The schedule's long steps are right
 * for a lone delivery, but behind a head they hold up every later change too: after a 20 s
 * outage the default schedule kept later changes 5–13 s late. So the head is tried again at
 * least every `capMs` (±20 %), and since those extra tries would use up the schedule's attempts
 * in seconds, the head instead goes dead when the schedule's whole span (the sum of its steps,
 * about 1 h 47 min by default) has passed since its first attempt: the same time it is given
 * by the schedule alone.
 */
export function blockedHeadRetryAt(
  schedule: readonly number[],
  attemptsMade: number,
  head: BlockedHead,
  random: () => number = Math.random,
): number | undefined {
  const span = schedule.slice(1).reduce((sum, s) => sum + s, 0) * 1000;
  if (head.now >= head.firstAttemptAt + span) return undefined;
  const capped = head.now + Math.round(head.capMs * (0.8 + 0.4 * random()));
  const scheduled = nextAttemptAt(schedule, attemptsMade, head.now, random);
  const at = scheduled === undefined ? capped : Math.min(scheduled, capped);
  return head.notBefore === undefined ? at : Math.max(at, head.notBefore);
}
