import { randomBytes } from 'node:crypto';

/** LaunchDarkly's `_id` form: 24 lowercase hex characters. */
export function newId(): string {
  return randomBytes(12).toString('hex');
}

export const idPattern = /^[0-9a-f]{24}$/;

export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
