import { Type } from '@sinclair/typebox';
import { errorResponses, Key } from '../../http/common-schemas.js';
import type { TypedApp } from '../../http/typed-app.js';
import type { FlagStatuses } from './flag-status-service.js';

const tags = ['Feature flags'];
const Link = Type.Object({ href: Type.String(), type: Type.String() });
const StatusFields = {
  name: Type.Union(
    (['new', 'active', 'inactive', 'launched'] as const).map((n) => Type.Literal(n)),
    {
      description:
        'new: not requested in 7 days, created less than 7 days ago; inactive: not requested in 7 days, ' +
        'created 7 days ago or more; launched: requested in the last 7 days, on, serving one variation to ' +
        'every context and unchanged in the environment for 7 days; active: requested in the last 7 days otherwise. ' +
        'Requests are the evaluations SDKs report in their analytics events.',
    },
  ),
  lastRequested: Type.Optional(
    Type.String({ format: 'date-time', description: 'When an SDK last reported evaluating the flag' }),
  ),
};
const StatusItemSchema = Type.Object({
  ...StatusFields,
  _links: Type.Object({ parent: Link, self: Link }),
});
const StatusesSchema = Type.Object({
  items: Type.Array(StatusItemSchema),
  _links: Type.Object({ self: Link }),
});
const AcrossSchema = Type.Object({
  key: Key,
  environments: Type.Record(Type.String(), Type.Object(StatusFields)),
  _links: Type.Object({ parent: Link, self: Link }),
});
const EnvParams = Type.Object({ projectKey: Key, environmentKey: Key });
const FlagEnvParams = Type.Object({ projectKey: Key, environmentKey: Key, featureFlagKey: Key });

/** LaunchDarkly's flag statuses, computed from the evaluations SDKs report (flag-status.ts). */
export function flagStatusRoutes(statuses: FlagStatuses) {
  return (app: TypedApp): void => {
    app.get(
      '/flag-statuses/:projectKey/:environmentKey',
      {
        config: { access: { reads: 'project' } },
        schema: {
          tags,
          summary: 'List the statuses of the flags in one environment',
          params: EnvParams,
          response: { 200: StatusesSchema, ...errorResponses },
        },
      },
      async (request) => statuses.list(request.params.projectKey, request.params.environmentKey),
    );

    const one = {
      config: { access: { reads: 'project' } } as const,
      schema: {
        tags,
        summary: "Get a flag's status in one environment",
        params: FlagEnvParams,
        response: { 200: StatusItemSchema, ...errorResponses },
      },
    };
    // The path LaunchDarkly's reference and clients use, and the singular one some scripts use.
    for (const path of [
      '/flag-statuses/:projectKey/:environmentKey/:featureFlagKey',
      '/flag-status/:projectKey/:environmentKey/:featureFlagKey',
    ]) {
      app.get(path, one, async (request) => {
        const { projectKey, environmentKey, featureFlagKey } = request.params;
        return statuses.get(projectKey, environmentKey, featureFlagKey);
      });
    }

    app.get(
      '/flag-status/:projectKey/:featureFlagKey',
      {
        config: { access: { reads: 'project' } },
        schema: {
          tags,
          summary: "Get a flag's status in every environment",
          params: Type.Object({ projectKey: Key, featureFlagKey: Key }),
          querystring: Type.Object(
            { env: Type.Optional(Type.String({ description: 'Only these environments (comma-separated)' })) },
            { additionalProperties: false },
          ),
          response: { 200: AcrossSchema, ...errorResponses },
        },
      },
      async (request) => {
        const only = request.query.env?.split(',').filter((e) => e !== '');
        return statuses.acrossEnvironments(request.params.projectKey, request.params.featureFlagKey, only);
      },
    );
  };
}
