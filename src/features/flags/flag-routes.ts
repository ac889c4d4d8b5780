import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../../errors/app-errors.js';
import { collection, errorResponses, Key, noContentResponses, PatchBody } from '../../http/common-schemas.js';
import { pageLinks, paging, pagingSchema } from '../../http/list-query.js';
import type { TypedApp } from '../../http/typed-app.js';
import { parsePatchBody } from '../../shared/json-patch.js';
import { patchContentTypes } from '../../shared/merge-patch.js';
import { principalOf } from '../access/principal.js';
import type { FlagCopies } from './flag-copy-service.js';
import { FlagListItemSchema, flagPageRule } from './flag-list.js';
import type { EarlyFlagRead } from './flag-load.js';
import { FlagPostSchema, FlagSchema } from './flag-model.js';
import {
  parseSemanticPatch,
  semanticInstructionKinds,
  semanticPatchContentType,
} from './flag-semantic-patch.js';
import type { FlagService } from './flag-service.js';

const tags = ['Feature flags'];
const ProjectParams = Type.Object({ projectKey: Key });
const Params = Type.Object({ projectKey: Key, flagKey: Key });
const keyPattern = (Key.pattern ?? '').slice(1, -1);
/** Environment keys, each query value one key or several comma-separated (`env=a,b` or `env=a&env=b`). */
const EnvKeys = Type.String({ pattern: `^${keyPattern}(,${keyPattern})*$` });
const EnvFilter = Type.Optional(
  Type.Array(EnvKeys, { description: 'Only include these environments (repeat, or comma-separate)' }),
);

function envList(env: readonly string[] | undefined): string[] | undefined {
  return env?.flatMap((e) => e.split(',')).filter((e) => e !== '');
}

export function flagRoutes(service: FlagService, copies: FlagCopies) {
  // A change's first read, started as its request arrives (`FlagService.earlyRead`).
  const earlyReads = new WeakMap<FastifyRequest, EarlyFlagRead>();
  const early = (request: FastifyRequest) => {
    const { projectKey, flagKey } = request.params as { projectKey: string; flagKey: string };
    const read = service.earlyRead(projectKey, flagKey);
    if (read !== undefined) earlyReads.set(request, read);
  };
  return (app: TypedApp): void => {
    app.get(
      '/flags/:projectKey',
      {
        config: { access: { reads: 'project' } },
        schema: {
          tags,
          summary: 'List feature flags, a page at a time (archived ones only when asked for)',
          description:
            '`filter` (field:value, comma-separated): query, tags (a+b: all of them), archived, ' +
            'state (live, deprecated, archived), type (temporary, permanent), maintainerId, ' +
            'creationDate ({"before": ms}), sdkAvailability (client, mobile, anyClient, server), ' +
            'hasExperiment, evaluated ({"after": ms}, with filterEnv). LaunchDarkly filters on code ' +
            'references, applications, context kinds, teams and release pipelines are refused with a ' +
            '400 naming them. `sort`: creationDate, key, ' +
            'name, maintainerId, tags, type, targetingModifiedDate (with env); prefix - for ' +
            'descending. Without `summary=0`, environments leave out prerequisites, targets and rules.',
          params: ProjectParams,
          querystring: Type.Object(
            {
              env: EnvFilter,
              tag: Type.Optional(Type.String({ description: 'Only flags with this tag' })),
              archived: Type.Optional(
                Type.Boolean({ description: 'Deprecated by LaunchDarkly: use filter=state:archived' }),
              ),
              ...pagingSchema(flagPageRule, 'flags'),
              filter: Type.Optional(Type.String({ description: 'Comma-separated field:value filters' })),
              sort: Type.Optional(Type.String({ description: 'Comma-separated fields, - for descending' })),
              summary: Type.Optional(
                Type.Union(
                  [Type.Literal('true'), Type.Literal('false'), Type.Literal('1'), Type.Literal('0')],
                  {
                    description: '0 or false: every environment in full (prerequisites, targets, rules)',
                  },
                ),
              ),
              expand: Type.Optional(
                Type.String({ description: 'migrationSettings (no migration flags here)' }),
              ),
              compare: Type.Optional(
                Type.Boolean({ description: 'Unavailable in API version 20240415: true is refused' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: collection(FlagListItemSchema), ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey } = request.params;
        const { query } = request;
        if (query.compare === true) {
          throw ValidationError.at('query /compare', 'compare is unavailable in API version 20240415');
        }
        const page = paging(query, flagPageRule);
        const { items, totalCount } = await service.list(projectKey, {
          ...query,
          ...page,
          env: envList(query.env),
          summary: query.summary !== 'false' && query.summary !== '0',
        });
        return { items, totalCount, _links: pageLinks(request.url, { ...page, totalCount }) };
      },
    );

    app.post(
      '/flags/:projectKey',
      {
        config: { access: { reads: 'project', writes: 'change' } },
        schema: {
          tags,
          summary: 'Create a feature flag (boolean unless variations say otherwise)',
          params: ProjectParams,
          querystring: Type.Object(
            {
              clone: Type.Optional({
                ...Key,
                description:
                  "The key of a flag to clone: the new flag gets its variations and its targeting in every environment (on/off included); the body's other fields replace the original's",
              }),
            },
            { additionalProperties: false },
          ),
          body: FlagPostSchema,
          response: { 201: FlagSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { actor } = principalOf(request);
        const { projectKey } = request.params;
        const { clone } = request.query;
        const flag =
          clone === undefined
            ? await service.create(actor, projectKey, request.body)
            : await copies.clone(actor, projectKey, clone, request.body);
        return reply.status(201).send(flag);
      },
    );

    app.get(
      '/flags/:projectKey/:flagKey',
      {
        config: { access: { reads: 'project' } },
        schema: {
          tags,
          summary: 'Get a feature flag',
          params: Params,
          querystring: Type.Object({ env: EnvFilter }, { additionalProperties: false }),
          response: { 200: FlagSchema, ...errorResponses },
        },
      },
      async (request) =>
        service.get(request.params.projectKey, request.params.flagKey, envList(request.query.env)),
    );

    app.patch(
      '/flags/:projectKey/:flagKey',
      {
        config: { access: { reads: 'project', writes: 'change' }, early },
        schema: {
          consumes: patchContentTypes,
          tags,
          summary: 'Update a feature flag: JSON Patch, JSON merge patch, or semantic patch',
          description:
            'JSON Patch: a bare array or {"patch", "comment"}. JSON merge patch: {"merge", "comment"}, or ' +
            'the merge document as application/merge-patch+json. Semantic patch: Content-Type ' +
            '`application/json; domain-model=launchdarkly.semanticpatch` with {"environmentKey", "comment", ' +
            `"instructions"}. Instructions: ${semanticInstructionKinds.join(', ')}.`,
          params: Params,
          querystring: Type.Object(
            {
              dryRun: Type.Optional(
                Type.Boolean({
                  description: 'Validate and answer the flag as it would be, writing and notifying nothing',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          body: PatchBody,
          response: { 200: FlagSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { projectKey, flagKey } = request.params;
        const actor = principalOf(request).actor;
        const options = { dryRun: request.query.dryRun, early: earlyReads.get(request) };
        if (semanticPatchContentType.test(request.headers['content-type'] ?? '')) {
          const patch = parseSemanticPatch(request.body);
          return service.applyInstructions(actor, projectKey, flagKey, patch, options);
        }
        return service.update(
          actor,
          projectKey,
          flagKey,
          parsePatchBody(request.body, { merge: true }),
          options,
        );
      },
    );

    app.delete(
      '/flags/:projectKey/:flagKey',
      {
        config: { access: { reads: 'project', writes: 'change' }, early },
        schema: { tags, summary: 'Delete a feature flag', params: Params, response: noContentResponses },
      },
      async (request, reply) => {
        const { projectKey, flagKey } = request.params;
        await service.delete(principalOf(request).actor, projectKey, flagKey, earlyReads.get(request));
        return reply.status(204).send(null);
      },
    );
  };
}
