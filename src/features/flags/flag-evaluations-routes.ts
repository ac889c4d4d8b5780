import { Type } from '@sinclair/typebox';
import { errorResponses, Key } from '../../http/common-schemas.js';
import type { TypedApp } from '../../http/typed-app.js';
import type { SdkEventsService } from '../sdk/sdk-events-service.js';
import { retentionHours } from '../sdk/sdk-events-service.js';

const Count = Type.Integer({ minimum: 0 });
const EpochMs = Type.Integer({ description: 'Epoch milliseconds' });

/** Switchboard's own shape (LaunchDarkly's flag insights API is a different one). */
export const FlagEvaluationsSchema = Type.Object(
  {
    projectKey: Key,
    flagKey: Key,
    environmentKey: Key,
    hours: Type.Integer({ description: 'The window: the current hour and the hours before it' }),
    from: Type.Integer({ description: 'Epoch ms: the start of the oldest hour counted' }),
    to: EpochMs,
    totalCount: Count,
    variations: Type.Array(
      Type.Object({
        variation: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
          description: "Variation index; null when SDKs served the application's default value",
        }),
        count: Count,
      }),
      { description: 'Evaluations per variation served in the window, as SDKs reported them' },
    ),
    lastEvaluated: Type.Union([EpochMs, Type.Null()], {
      description: 'When an SDK last reported evaluating the flag (any time, not only in the window)',
    }),
  },
  { additionalProperties: false },
);

/** How often SDKs evaluated a flag, from their analytics events (see sdk-events-service.ts). */
export function flagEvaluationRoutes(service: SdkEventsService) {
  return (app: TypedApp): void => {
    app.get(
      '/flags/:projectKey/:flagKey/evaluations',
      {
        config: { access: { reads: 'project' } },
        schema: {
          tags: ['Feature flags'],
          summary: 'Evaluation counts of a flag in one environment, per variation, over the last hours',
          description:
            'Counted from the analytics events of SDKs (POST /bulk), per hour; no context is stored. ' +
            'Counts reach this endpoint within a few seconds of an SDK flushing its events.',
          params: Type.Object({ projectKey: Key, flagKey: Key }),
          querystring: Type.Object(
            {
              env: Key,
              hours: Type.Integer({ minimum: 1, maximum: retentionHours, default: 24 }),
            },
            { additionalProperties: false },
          ),
          response: { 200: FlagEvaluationsSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey, flagKey } = request.params;
        return service.evaluations(projectKey, flagKey, request.query.env, request.query.hours);
      },
    );
  };
}
