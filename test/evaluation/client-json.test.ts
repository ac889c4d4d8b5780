import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseContext } from '../../src/evaluation/context.js';
import {
  clientData,
  clientResults,
  clientResultsJson,
  resultsJson,
} from '../../src/features/sdk/client-evaluation.js';
import { contextArb, environmentArb } from './evaluation-arbitraries.js';

// evalx builds its answer from per-variation fragments kept per data; it must be the very text
// that serializing every result would give, for any flags, contexts, reasons and client kind,
// including the second time a fragment is used (another context on the same data).
describe('clientResultsJson', () => {
  it('is the same text as resultsJson(clientResults(…)) on random environments and contexts', () => {
    fc.assert(
      fc.property(
        environmentArb,
        fc.array(contextArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom('browser' as const, 'mobile' as const),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        (env, contexts, withReasons, kind, shown, trackEvents) => {
          // The generated flags are server-side only; make some visible to each kind of client.
          const flags = env.flags.map((f, i) => ({
            ...f,
            trackEvents: i === 0 ? trackEvents : f.trackEvents,
            clientSideAvailability: { usingEnvironmentId: shown[i] === true, usingMobileKey: i % 2 === 0 },
          }));
          const body = JSON.stringify({
            flags: Object.fromEntries(flags.map((f) => [f.key, f])),
            segments: Object.fromEntries(env.segments.map((s) => [s.key, s])),
          });
          const data = clientData(body, 7);
          for (const json of contexts) {
            const parsed = parseContext(json);
            if (!parsed.ok) continue;
            const expected = resultsJson(clientResults(data, parsed.context, kind, withReasons));
            expect(clientResultsJson(data, parsed.context, kind, withReasons)).toBe(expected);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
