import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors/app-errors.js';
import {
  maxEventsPerPayload,
  readAnalyticsPayload,
  readDiagnosticPayload,
  TooManyEventsError,
} from './sdk-events-model.js';

const summary = (features: Record<string, unknown>) => ({
  kind: 'summary',
  startDate: 1_000,
  endDate: 2_000,
  features,
});

function problemsOf(body: unknown): { pointer: string; message: string }[] {
  try {
    readAnalyticsPayload(body);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('readAnalyticsPayload', () => {
  it('sums summary counters per flag and variation, across summaries', () => {
    const counts = readAnalyticsPayload([
      { kind: 'index', creationDate: 1, context: { kind: 'user', key: 'u1', email: 'a@b.c' } },
      summary({
        'new-checkout': {
          default: false,
          contextKinds: ['user'],
          counters: [
            { value: true, variation: 0, version: 3, count: 5 },
            { value: false, variation: 1, version: 3, count: 2 },
          ],
        },
        missing: { default: 1, counters: [{ value: 1, count: 9, unknown: true }] },
        broken: { default: 'x', counters: [{ value: 'x', version: 1, count: 4 }] },
      }),
      summary({ 'new-checkout': { counters: [{ value: true, variation: 0, version: 4, count: 1 }] } }),
      { kind: 'feature', creationDate: 1, key: 'new-checkout', variation: 0, value: true, context: {} },
    ]);
    expect(counts).toEqual([
      { flagKey: 'new-checkout', variation: 0, count: 6 },
      { flagKey: 'new-checkout', variation: 1, count: 2 },
      // Served the application's default (no variation): counted apart.
      { flagKey: 'broken', variation: null, count: 4 },
    ]);
  });

  it('keeps no flag Switchboard cannot hold and skips kinds it does not know', () => {
    expect(
      readAnalyticsPayload([
        summary({ 'not a key': { counters: [{ variation: 0, count: 1 }] } }),
        { kind: 'migration_op', anything: [1, 2] },
      ]),
    ).toEqual([]);
  });

  it('names every malformed part by JSON pointer', () => {
    expect(problemsOf({ kind: 'summary' })).toEqual([
      { pointer: '/', message: 'must be an array of events' },
    ]);
    expect(
      problemsOf([
        'x',
        { creationDate: 1 },
        summary({
          'a/b~c': {
            counters: [
              { variation: -1, count: 1 },
              { variation: 0, count: 0 },
            ],
          },
        }),
        { kind: 'summary', features: [] },
        { kind: 'feature', key: 7 },
        { kind: 'custom', key: 'clicked', creationDate: 'yesterday' },
      ]).map((p) => p.pointer),
    ).toEqual([
      '/0',
      '/1/kind',
      '/2/features/a~1b~0c/counters/0/variation',
      '/2/features/a~1b~0c/counters/1/count',
      '/3/features',
      '/4/key',
      '/5/creationDate',
    ]);
  });

  it('refuses more events than a payload may hold as too large', () => {
    const events = Array.from({ length: maxEventsPerPayload + 1 }, () => ({ kind: 'identify' }));
    expect(() => readAnalyticsPayload(events)).toThrow(TooManyEventsError);
    expect(readAnalyticsPayload(events.slice(1))).toEqual([]);
  });
});

describe('readDiagnosticPayload', () => {
  it('takes an object with a kind, and nothing else', () => {
    expect(() => readDiagnosticPayload({ kind: 'diagnostic-init', id: {} })).not.toThrow();
    expect(() => readDiagnosticPayload([])).toThrow(ValidationError);
    expect(() => readDiagnosticPayload({ id: {} })).toThrow(/kind/);
  });
});
