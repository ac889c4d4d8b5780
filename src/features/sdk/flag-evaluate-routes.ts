import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { evaluateFlag } from '../../evaluation/evaluate-flag.js';
import { ErrorBody, Key, Links } from '../../http/common-schemas.js';
import type { TypedApp } from '../../http/typed-app.js';
import type { EnvironmentStore, FlagStore, ProjectStore, SegmentStore } from '../stores.js';
import { type ClientContext, ContextTooLargeError, contextFromBody } from './client-context.js';
import { type SdkFlag, type SdkSegment, toSdkFlag, toSdkSegment } from './sdk-model.js';

const Reason = Type.Object(
  {
    kind: Type.String({
      description: 'OFF, FALLTHROUGH, TARGET_MATCH, RULE_MATCH, PREREQUISITE_FAILED or ERROR',
    }),
    ruleIndex: Type.Optional(Type.Integer()),
    ruleId: Type.Optional(Type.String()),
    prerequisiteKey: Type.Optional(Type.String()),
    inExperiment: Type.Optional(Type.Boolean()),
    errorKind: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const EvaluationItem = Type.Object({
  key: Key,
  name: Type.String(),
  _value: Type.Unknown({ description: 'The value the context gets' }),
  _variationIndex: Type.Optional(
    Type.Integer({
      description: "Switchboard's addition: the index of the variation served, absent on an error",
    }),
  ),
  reason: Reason,
  _links: Links,
});

const Evaluations = Type.Object({
  items: Type.Array(EvaluationItem),
  totalCount: Type.Integer(),
  _links: Links,
});

export interface FlagEvaluateOptions {
  readonly db: Kysely<Database>;
  readonly projects: ProjectStore;
  readonly environments: EnvironmentStore;
  readonly flags: FlagStore;
  readonly segments: SegmentStore;
}

/**
 * LaunchDarkly's "Evaluate flags for context instance": every flag of the project in one
 * environment, evaluated for the context in the body, with the value and LaunchDarkly's reason.
 * Reads the stored flags and segments directly (not the SDK data plane's cache), so an answer
 * right after a change, on any node, reflects it: the UI's "Try a context" asks after edits.
 */
export function flagEvaluateRoutes({
  db,
  projects,
  environments,
  flags: flagStore,
  segments: segmentStore,
}: FlagEvaluateOptions) {
  return (app: TypedApp): void => {
    app.post(
      '/projects/:projectKey/environments/:environmentKey/flags/evaluate',
      {
        config: { access: { reads: 'project' } },
        schema: {
          tags: ['Contexts'],
          summary: 'Evaluate flags for context instance',
          description:
            'Every flag of the project evaluated for the context in the body (a single- or multi-kind context, ' +
            'or an old-style user), with its value and evaluation reason, exactly as the SDKs evaluate it. ' +
            'Nothing is recorded. Needs viewProject.',
          params: Type.Object({ projectKey: Key, environmentKey: Key }),
          body: Type.Unknown({ description: 'The context, e.g. {"kind": "user", "key": "alice"}' }),
          response: {
            200: Evaluations,
            400: ErrorBody,
            401: ErrorBody,
            403: ErrorBody,
            404: ErrorBody,
            413: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const { projectKey, environmentKey } = request.params;
        // Evaluating is a read: the route declares it (viewProject), checked also when it fails.
        await projects.getOrThrow(db, '', projectKey);
        await environments.getOrThrow(db, projectKey, environmentKey);
        let client: ClientContext;
        try {
          client = contextFromBody(request.body);
        } catch (error) {
          if (!(error instanceof ContextTooLargeError)) throw error;
          return reply.status(413).send({ code: 'request_entity_too_large', message: error.message });
        }
        const { context } = client;
        const stored = await flagStore.list(db, projectKey);
        const flags = new Map<string, SdkFlag>();
        const names = new Map<string, string>();
        for (const f of stored) {
          if (f.doc.environments[environmentKey] === undefined) continue;
          flags.set(f.key, toSdkFlag(f.key, f.doc, environmentKey));
          names.set(f.key, f.doc.name);
        }
        const segments = new Map<string, SdkSegment>();
        for (const s of await segmentStore.list(db, `${projectKey}/${environmentKey}`))
          segments.set(s.key, toSdkSegment(s.key, s.doc, s.version));
        const data = { flag: (key: string) => flags.get(key), segment: (key: string) => segments.get(key) };
        const items = [...flags.values()]
          .filter((flag) => !flag.deleted)
          .map((flag) => {
            const detail = evaluateFlag(flag, context, data);
            return {
              key: flag.key,
              name: names.get(flag.key) ?? flag.key,
              _value: detail.value ?? null,
              ...(typeof detail.variationIndex === 'number'
                ? { _variationIndex: detail.variationIndex }
                : {}),
              reason: detail.reason,
              _links: {
                self: {
                  href: `/api/v2/flags/${projectKey}/${flag.key}?env=${environmentKey}`,
                  type: 'application/json',
                },
              },
            };
          });
        return {
          items,
          totalCount: items.length,
          _links: {
            self: {
              href: `/api/v2/projects/${projectKey}/environments/${environmentKey}/flags/evaluate`,
              type: 'application/json',
            },
          },
        };
      },
    );
  };
}
