import { type Static, Type } from '@sinclair/typebox';
import type { FieldProblem } from '../../errors/app-errors.js';
import { Id, Key, Links, Name, Tags } from '../../http/common-schemas.js';
import type { FieldRule } from '../audit/field-rule.js';

const Strict = { additionalProperties: false } as const;

export const metricKinds = ['pageview', 'click', 'custom'] as const;
export type MetricKind = (typeof metricKinds)[number];
const MetricKindSchema = Type.Union(metricKinds.map((k) => Type.Literal(k)));

const urlKinds = ['exact', 'canonical', 'substring', 'regex'] as const;
const UrlText = Type.String({ minLength: 1, maxLength: 2048 });

/** Which page a page view or click metric counts: one field, named by `kind`, holds the match. */
export const UrlMatcherSchema = Type.Object(
  {
    kind: Type.Union(urlKinds.map((k) => Type.Literal(k))),
    url: Type.Optional(UrlText),
    substring: Type.Optional(UrlText),
    pattern: Type.Optional(UrlText),
  },
  Strict,
);
export type UrlMatcher = Static<typeof UrlMatcherSchema>;

const metricFields = {
  name: Name,
  description: Type.String({ maxLength: 4096 }),
  tags: Tags,
  eventKey: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  isNumeric: Type.Boolean(),
  unit: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  successCriteria: Type.Optional(
    Type.Union([Type.Literal('HigherThanBaseline'), Type.Literal('LowerThanBaseline')]),
  ),
  urls: Type.Optional(Type.Array(UrlMatcherSchema, { maxItems: 100 })),
  selector: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  maintainerId: Type.Optional(Id),
};

export const MetricDocSchema = Type.Object(
  { kind: MetricKindSchema, ...metricFields, creationDate: Type.Integer() },
  Strict,
);
export type MetricDoc = Static<typeof MetricDocSchema>;

export const MetricPostSchema = Type.Object(
  {
    key: Key,
    kind: MetricKindSchema,
    name: Type.Optional(Name),
    description: Type.Optional(metricFields.description),
    tags: Type.Optional(Tags),
    eventKey: metricFields.eventKey,
    isNumeric: Type.Optional(Type.Boolean()),
    unit: metricFields.unit,
    successCriteria: metricFields.successCriteria,
    urls: metricFields.urls,
    selector: metricFields.selector,
    maintainerId: metricFields.maintainerId,
  },
  Strict,
);
export type MetricPost = Static<typeof MetricPostSchema>;

export const MetricSchema = Type.Object({
  _id: Id,
  key: Key,
  _version: Type.Integer(),
  _links: Links,
  ...MetricDocSchema.properties,
  _versionId: Type.String(),
  _creationDate: Type.Integer(),
});
export type Metric = Static<typeof MetricSchema>;

/** `maintainerId` is described by the service, which shows the member's email rather than an id. */
export const metricFieldRules: Record<string, FieldRule> = {
  name: { action: 'updateName', label: 'the name' },
  description: { action: 'updateDescription', label: 'the description' },
  eventKey: { action: 'updateEventKey', label: 'the event key' },
  tags: { action: 'updateTags', label: 'the tags' },
  urls: { action: 'updateUrls', label: 'the URLs' },
  selector: { action: 'updateSelector', label: 'the CSS selector' },
  isNumeric: { action: 'updateNumeric', label: 'whether the metric is numeric' },
  unit: { action: 'updateNumeric', label: 'the unit' },
  successCriteria: { action: 'updateNumeric', label: 'the success criteria' },
};

export const metricKindLabels: Record<MetricKind, string> = {
  pageview: 'page view',
  click: 'click',
  custom: 'custom',
};

const urlField: Record<UrlMatcher['kind'], 'url' | 'substring' | 'pattern'> = {
  exact: 'url',
  canonical: 'url',
  substring: 'substring',
  regex: 'pattern',
};

function urlProblems(urls: readonly UrlMatcher[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  urls.forEach((matcher, i) => {
    const wanted = urlField[matcher.kind];
    for (const field of ['url', 'substring', 'pattern'] as const) {
      const pointer = `/urls/${i}/${field}`;
      if (field === wanted && matcher[field] === undefined) {
        problems.push({ pointer, message: `is required for a "${matcher.kind}" match` });
      } else if (field !== wanted && matcher[field] !== undefined) {
        problems.push({ pointer, message: `is not used by a "${matcher.kind}" match (use "${wanted}")` });
      }
    }
    if (matcher.kind === 'regex' && matcher.pattern !== undefined) {
      try {
        new RegExp(matcher.pattern);
      } catch {
        problems.push({ pointer: `/urls/${i}/pattern`, message: 'is not a valid regular expression' });
      }
    }
  });
  return problems;
}

/**
 * The rules a schema cannot say: which fields each kind of metric needs or must not have.
 * Run on a new metric and again on every patched one, so a patch cannot produce an invalid metric.
 */
export function metricProblems(doc: MetricDoc): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const kind = metricKindLabels[doc.kind];
  const need = (field: keyof MetricDoc, present: boolean) => {
    if (!present) problems.push({ pointer: `/${field}`, message: `is required for a ${kind} metric` });
  };
  const forbid = (field: keyof MetricDoc, present: boolean, who: string) => {
    if (present) problems.push({ pointer: `/${field}`, message: `only ${who} have this field` });
  };
  if (doc.kind === 'custom') {
    need('eventKey', doc.eventKey !== undefined);
    forbid('urls', (doc.urls ?? []).length > 0, 'page view and click metrics');
  } else {
    forbid('eventKey', doc.eventKey !== undefined, 'custom metrics');
    if (doc.isNumeric) {
      problems.push({ pointer: '/isNumeric', message: 'only custom metrics can be numeric' });
    }
    need('urls', doc.urls !== undefined && doc.urls.length > 0);
  }
  if (doc.kind === 'click') need('selector', doc.selector !== undefined);
  else forbid('selector', doc.selector !== undefined, 'click metrics');
  forbid('unit', doc.unit !== undefined && !doc.isNumeric, 'numeric metrics');
  return [...problems, ...urlProblems(doc.urls ?? [])];
}
