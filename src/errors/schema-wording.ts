import { ValueErrorType } from '@sinclair/typebox/errors';

/**
 * One schema problem as both checkers report it: the JSON-Schema keyword that failed and its
 * parameters (Ajv's `params`, or the same read from the schema TypeBox checked against).
 */
export interface SchemaProblem {
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
}

const formats: Readonly<Record<string, string>> = {
  email: 'is not an email address',
  uri: 'is not a URL',
  url: 'is not a URL',
  'date-time': 'is not a date and time (ISO 8601)',
  date: 'is not a date (YYYY-MM-DD)',
  uuid: 'is not a UUID',
  ipv4: 'is not an IPv4 address',
  ipv6: 'is not an IPv6 address',
  hostname: 'is not a host name',
};

const types: Readonly<Record<string, string>> = {
  string: 'must be text (a JSON string)',
  integer: 'must be a whole number',
  number: 'must be a number',
  boolean: 'must be true or false',
  object: 'must be an object',
  array: 'must be a list (a JSON array)',
  null: 'must be null',
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const json = (value: unknown) => JSON.stringify(value);

function typeSentence(type: unknown): string | undefined {
  if (typeof type === 'string') return types[type];
  if (Array.isArray(type)) return `must be one of: ${type.join(', ')}`;
  return undefined;
}

/**
 * The schema problem as the end of a sentence whose subject is the value at the pointer
 * ("bob@ux" + "is not an email address"), or undefined to keep the checker's own words. The
 * pointer stays beside it in the error body: API clients rely on it, people read this.
 */
export function schemaSentence({ keyword, params }: SchemaProblem): string | undefined {
  const limit = typeof params.limit === 'number' ? params.limit : undefined;
  switch (keyword) {
    case 'format': {
      const format = String(params.format);
      return formats[format] ?? `is not in the ${format} format`;
    }
    case 'type':
      return typeSentence(params.type);
    case 'minLength':
      if (limit === undefined) return undefined;
      return limit === 1
        ? 'must not be empty'
        : `must be at least ${plural(limit, 'character', 'characters')}`;
    case 'maxLength':
      return limit === undefined ? undefined : `must be at most ${plural(limit, 'character', 'characters')}`;
    case 'pattern':
      return `does not have the expected form (${String(params.pattern)})`;
    case 'minimum':
      return limit === undefined ? undefined : `must be ${limit} or more`;
    case 'maximum':
      return limit === undefined ? undefined : `must be ${limit} or less`;
    case 'exclusiveMinimum':
      return limit === undefined ? undefined : `must be more than ${limit}`;
    case 'exclusiveMaximum':
      return limit === undefined ? undefined : `must be less than ${limit}`;
    case 'minItems':
      if (limit === undefined) return undefined;
      return limit === 1 ? 'must not be empty' : `must have at least ${plural(limit, 'item', 'items')}`;
    case 'maxItems':
      return limit === undefined ? undefined : `must have at most ${plural(limit, 'item', 'items')}`;
    case 'uniqueItems':
      return 'must not list the same item twice';
    case 'enum': {
      const allowed = params.allowedValues;
      return Array.isArray(allowed) ? `must be one of ${allowed.map(json).join(', ')}` : undefined;
    }
    case 'const':
      return `must be ${json(params.allowedValue)}`;
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'unknown field';
    default:
      return undefined;
  }
}

/** TypeBox's error kinds as the JSON-Schema keyword and the schema's parameter for it. */
const typeBoxKeywords: Partial<Record<ValueErrorType, readonly [keyword: string, param?: string]>> = {
  [ValueErrorType.StringFormat]: ['format', 'format'],
  [ValueErrorType.StringMinLength]: ['minLength', 'minLength'],
  [ValueErrorType.StringMaxLength]: ['maxLength', 'maxLength'],
  [ValueErrorType.StringPattern]: ['pattern', 'pattern'],
  [ValueErrorType.ArrayMinItems]: ['minItems', 'minItems'],
  [ValueErrorType.ArrayMaxItems]: ['maxItems', 'maxItems'],
  [ValueErrorType.ArrayUniqueItems]: ['uniqueItems'],
  [ValueErrorType.IntegerMinimum]: ['minimum', 'minimum'],
  [ValueErrorType.NumberMinimum]: ['minimum', 'minimum'],
  [ValueErrorType.IntegerMaximum]: ['maximum', 'maximum'],
  [ValueErrorType.NumberMaximum]: ['maximum', 'maximum'],
  [ValueErrorType.IntegerExclusiveMinimum]: ['exclusiveMinimum', 'exclusiveMinimum'],
  [ValueErrorType.NumberExclusiveMinimum]: ['exclusiveMinimum', 'exclusiveMinimum'],
  [ValueErrorType.IntegerExclusiveMaximum]: ['exclusiveMaximum', 'exclusiveMaximum'],
  [ValueErrorType.NumberExclusiveMaximum]: ['exclusiveMaximum', 'exclusiveMaximum'],
  [ValueErrorType.ObjectRequiredProperty]: ['required'],
  [ValueErrorType.ObjectAdditionalProperties]: ['additionalProperties'],
};

const typeBoxTypes: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.String]: 'string',
  [ValueErrorType.Integer]: 'integer',
  [ValueErrorType.Number]: 'number',
  [ValueErrorType.Boolean]: 'boolean',
  [ValueErrorType.Object]: 'object',
  [ValueErrorType.Array]: 'array',
  [ValueErrorType.Null]: 'null',
};

/** A TypeBox error (`Value.Errors`) as a schema problem, or undefined for the kinds not worded here. */
export function typeBoxProblem(error: {
  readonly type: ValueErrorType;
  readonly schema: Readonly<Record<string, unknown>>;
}): SchemaProblem | undefined {
  const type = typeBoxTypes[error.type];
  if (type !== undefined) return { keyword: 'type', params: { type } };
  if (error.type === ValueErrorType.Literal)
    return { keyword: 'const', params: { allowedValue: error.schema.const } };
  if (error.type === ValueErrorType.Union) {
    const options = error.schema.anyOf;
    const literals = Array.isArray(options) ? options.map((o) => (o as { const?: unknown }).const) : [];
    return literals.length > 0 && literals.every((l) => l !== undefined)
      ? { keyword: 'enum', params: { allowedValues: literals } }
      : undefined;
  }
  const keyword = typeBoxKeywords[error.type];
  if (keyword === undefined) return undefined;
  const [name, param] = keyword;
  const value = param === undefined ? undefined : error.schema[param];
  return {
    keyword: name,
    params: param === 'format' || param === 'pattern' ? { [param]: value } : { limit: value },
  };
}
