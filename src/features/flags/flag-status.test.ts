import { describe, expect, it } from 'vitest';
import { flagEnvironment } from '../../../test/helpers/flag-environment.js';
import type { FlagEnvironmentDoc } from './flag-model.js';
import { flagStatus, servableVariations, statusWindowMs } from './flag-status.js';

const day = 24 * 60 * 60 * 1000;
const now = 100 * day;

const config = (edit: Partial<FlagEnvironmentDoc> = {}): FlagEnvironmentDoc =>
  flagEnvironment({ on: true, version: 3, lastModified: now - 30 * day, ...edit });

const status = (c: FlagEnvironmentDoc, lastRequested: number | undefined, creationDate = now - 60 * day) =>
  flagStatus({ creationDate, config: c, lastRequested, now });

describe('flagStatus: LaunchDarkly rules over seven days', () => {
  it('new: never requested, created less than seven days ago', () => {
    expect(status(config(), undefined, now - 6 * day)).toBe('new');
    expect(status(config(), undefined, now - statusWindowMs + 1)).toBe('new');
  });

  it('inactive: not requested in seven days, created seven days ago or more', () => {
    expect(status(config(), undefined)).toBe('inactive');
    expect(status(config(), undefined, now - statusWindowMs)).toBe('inactive');
    expect(status(config(), now - 8 * day)).toBe('inactive');
    expect(status(config(), now - statusWindowMs)).toBe('inactive');
  });

  it('launched: requested, on, one variation for everyone, unchanged for seven days', () => {
    expect(status(config(), now - day)).toBe('launched');
    expect(status(config({ lastModified: now - statusWindowMs }), now - 1)).toBe('launched');
    // A target or rule serving the same variation still serves one variation.
    const same = config({
      targets: [{ values: ['ann'], variation: 0 }],
      rules: [{ _id: 'r', clauses: [], variation: 0, trackEvents: false }],
    });
    expect(status(same, now - day)).toBe('launched');
    // A rollout entirely on one variation is one variation.
    const rolled = config({
      fallthrough: {
        rollout: {
          variations: [
            { variation: 0, weight: 100_000 },
            { variation: 1, weight: 0 },
          ],
        },
      },
    });
    expect(status(rolled, now - day)).toBe('launched');
  });

  it('active: requested, but off, several variations, or changed in the last seven days', () => {
    expect(status(config({ on: false }), now - day)).toBe('active');
    expect(status(config({ lastModified: now - day }), now - day)).toBe('active');
    expect(status(config({ targets: [{ values: ['ann'], variation: 1 }] }), now - day)).toBe('active');
    expect(
      status(config({ rules: [{ _id: 'r', clauses: [], variation: 2, trackEvents: false }] }), now - day),
    ).toBe('active');
    expect(status(config({ prerequisites: [{ key: 'other', variation: 0 }] }), now - day)).toBe('active');
    // Requested within seven days of its creation: active (it cannot have been unchanged that long).
    expect(status(config({ lastModified: now - day }), now - 1, now - day)).toBe('active');
  });
});

describe('servableVariations', () => {
  it('is the off variation when off, and every served variation when on', () => {
    expect([...servableVariations(config({ on: false }))]).toEqual([1]);
    const mixed = config({
      fallthrough: {
        rollout: {
          variations: [
            { variation: 0, weight: 50_000 },
            { variation: 2, weight: 50_000 },
          ],
        },
      },
      targets: [{ values: [], variation: 1 }],
    });
    // An empty target list serves nobody.
    expect([...servableVariations(mixed)].sort()).toEqual([0, 2]);
  });
});
