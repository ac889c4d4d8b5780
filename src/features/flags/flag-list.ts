import { type TObject, type TProperties, Type } from '@sinclair/typebox';
import type { ListCondition, ListSort } from '../../db/document-query.js';
import type { DocumentPageQuery } from '../../db/document-store.js';
import { ValidationError } from '../../errors/app-errors.js';
import {
  booleanValue,
  listValue,
  objectValue,
  oneOf,
  type PageRule,
  type Paging,
  parseColonFilter,
  parseExpand,
  parseSort,
} from '../../http/list-query.js';
import { type Flag, FlagEnvironmentSchema, FlagSchema } from './flag-model.js';

/** LaunchDarkly documents 20 by default; 100 keeps one page's documents cheap to serialize. */
export const flagPageRule: PageRule = { defaultLimit: 20, maxLimit: 100 };

/**
 * LaunchDarkly's flag filters: the ones Switchboard has the data for, and the rest refused by
 * name (code references, evaluation history per application or context kind, teams, release
 * pipelines) instead of being ignored.
 */
const filterFields = {
  supported: [
    'query',
    'tags',
    'archived',
    'state',
    'type',
    'maintainerId',
    'creationDate',
    'sdkAvailability',
    'hasExperiment',
    'evaluated',
    'filterEnv',
  ],
  unsupported: [
    'applicationEvaluated',
    'contextKindsEvaluated',
    'codeReferences.max',
    'codeReferences.min',
    'maintainerTeamKey',
    'releasePipeline',
    'guardedRollout',
    'purpose',
    'segmentTargeted',
    'view',
    'followerId',
  ],
};

const sortFields = ['creationDate', 'key', 'name', 'maintainerId', 'tags', 'type', 'targetingModifiedDate'];

/** What `summary` (the default) leaves out of each environment, as LaunchDarkly does. */
const detailFields = ['prerequisites', 'targets', 'contextTargets', 'rules'] as const;

export interface FlagListRequest extends Paging {
  readonly env?: readonly string[] | undefined;
  readonly tag?: string | undefined;
  readonly archived?: boolean | undefined;
  readonly filter?: string | undefined;
  readonly sort?: string | undefined;
  readonly expand?: string | undefined;
  /** False for `summary=0`: every environment in full. */
  readonly summary: boolean;
}

function filterConditions(request: FlagListRequest, envKeys: readonly string[]): ListCondition[] {
  const filter = parseColonFilter(request.filter, filterFields);
  const where: ListCondition[] = [];
  let archived: boolean | undefined = request.archived;
  let evaluated: unknown;
  for (const [field, value] of filter) {
    switch (field) {
      case 'query':
        where.push({ text: value });
        break;
      case 'tags':
        // `+` joins tags; an unencoded `+` arrives as a space, which no tag holds.
        where.push({ tagsAll: listValue(value, /[+ ]/) });
        break;
      case 'archived':
        where.push({ archived: booleanValue(field, value) });
        archived ??= booleanValue(field, value);
        break;
      case 'state': {
        const state = oneOf(field, value, ['live', 'deprecated', 'archived'] as const);
        // Switchboard has no deprecated flags.
        where.push(state === 'deprecated' ? { nothing: true } : { archived: state === 'archived' });
        archived ??= state === 'archived';
        break;
      }
      case 'type':
        where.push({
          field: ['temporary'],
          equals: oneOf(field, value, ['temporary', 'permanent'] as const) === 'temporary',
        });
        break;
      case 'maintainerId':
        where.push({ field: ['maintainerId'], equals: value });
        break;
      case 'creationDate': {
        const { before } = objectValue(field, value, ['before']);
        if (typeof before !== 'number') {
          throw ValidationError.at('query /filter', 'creationDate takes {"before": <epoch milliseconds>}');
        }
        where.push({ createdBefore: before });
        break;
      }
      case 'sdkAvailability':
        where.push(
          ...sdkAvailability(oneOf(field, value, ['client', 'mobile', 'anyClient', 'server'] as const)),
        );
        break;
      case 'hasExperiment':
        // No Switchboard flag is used in an experiment.
        if (booleanValue(field, value)) where.push({ nothing: true });
        break;
      case 'evaluated':
        evaluated = objectValue(field, value, ['after']).after;
        if (typeof evaluated !== 'number') {
          throw ValidationError.at('query /filter', 'evaluated takes {"after": <epoch milliseconds>}');
        }
        break;
      case 'filterEnv':
        if (!envKeys.includes(value)) {
          throw ValidationError.at('query /filter', `filterEnv: no environment "${value}" in this project`);
        }
        break;
    }
  }
  if (evaluated !== undefined) {
    const env = filter.get('filterEnv');
    if (env === undefined)
      throw ValidationError.at('query /filter', 'evaluated needs filterEnv (an environment key)');
    where.push({ evaluatedAfter: evaluated as number, env });
  }
  // Without a word about it, archived flags stay out, as LaunchDarkly lists them.
  if (archived === undefined) where.push({ archived: false });
  else if (request.archived !== undefined) where.push({ archived: request.archived });
  if (request.tag !== undefined) where.push({ tagsAll: [request.tag] });
  return where;
}

function sdkAvailability(kind: 'client' | 'mobile' | 'anyClient' | 'server'): ListCondition[] {
  const path = (key: string) => ['clientSideAvailability', key];
  const byId: ListCondition = { field: path('usingEnvironmentId'), equals: true };
  const byMobile: ListCondition = { field: path('usingMobileKey'), equals: true };
  if (kind === 'client') return [byId];
  if (kind === 'mobile') return [byMobile];
  if (kind === 'anyClient') return [{ anyOf: [byId, byMobile] }];
  return [
    { field: path('usingEnvironmentId'), equals: false },
    { field: path('usingMobileKey'), equals: false },
  ];
}

function sorts(request: FlagListRequest, envKeys: readonly string[]): ListSort[] {
  const fields = parseSort(request.sort, sortFields);
  return fields.map(({ field, desc }): ListSort => {
    switch (field) {
      case 'creationDate':
        return { by: 'created', desc };
      case 'key':
      case 'name':
      case 'tags':
        return { by: field, desc };
      case 'maintainerId':
        return { field: ['maintainerId'], type: 'text', desc };
      case 'type':
        // permanent before temporary, as the words sort.
        return { field: ['temporary'], type: 'boolean', desc };
      default: {
        const env = request.env?.[0];
        if (env === undefined || fields.length > 1) {
          throw ValidationError.at(
            'query /sort',
            'targetingModifiedDate needs the env parameter and cannot be combined with another sort',
          );
        }
        if (!envKeys.includes(env))
          throw ValidationError.at('query /env', `no environment "${env}" in this project`);
        return { field: ['environments', env, 'lastModified'], type: 'number', desc };
      }
    }
  });
}

/** The store query for one page of a project's flags; throws a 400 naming a bad parameter. */
export function flagPageQuery(
  projectKey: string,
  request: FlagListRequest,
  envKeys: readonly string[],
): DocumentPageQuery {
  // Migration settings exist only on migration flags, which Switchboard does not have.
  parseExpand(request.expand, {
    supported: ['migrationSettings'],
    unsupported: ['codeReferences', 'evaluation'],
  });
  return {
    scope: projectKey,
    where: filterConditions(request, envKeys),
    sort: sorts(request, envKeys),
    limit: request.limit,
    offset: request.offset,
  };
}

/** A flag as `summary` lists it: each environment without its prerequisites, targets and rules. */
export function summarized(flag: Flag): Flag {
  const environments: Record<string, Flag['environments'][string]> = {};
  for (const [key, config] of Object.entries(flag.environments)) {
    const copy: Record<string, unknown> = { ...config };
    for (const field of detailFields) delete copy[field];
    environments[key] = copy as Flag['environments'][string];
  }
  return { ...flag, environments };
}

function optional<P extends TProperties>(schema: TObject<P>, fields: readonly string[]): TObject {
  const properties: TProperties = {};
  for (const [name, property] of Object.entries(schema.properties)) {
    properties[name] = fields.includes(name) ? Type.Optional(property) : property;
  }
  return Type.Object(properties);
}

/** The list's item: a flag whose environments may be summarized. */
export const FlagListItemSchema = Type.Object({
  ...FlagSchema.properties,
  environments: Type.Record(Type.String(), optional(FlagEnvironmentSchema, detailFields)),
});
