import type { TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * The flags and segments of the evaluation vectors, made the way a person or a script makes
 * them: through Switchboard's REST API (POST, then JSON patch of the production environment).
 * Rules are sent without `_id`, so the server's generated ids are what the SDK reports.
 */

export const project = 'default';
export const env = 'production';

interface ClauseInput {
  readonly attribute: string;
  readonly op: string;
  readonly values: readonly unknown[];
  readonly negate?: boolean;
  readonly contextKind?: string;
}

export function clause(
  attribute: string,
  op: string,
  values: readonly unknown[],
  extra: Partial<ClauseInput> = {},
) {
  return { attribute, op, values, negate: false, ...extra };
}

// biome-ignore lint/suspicious/noExplicitAny: the REST API's JSON, read as the tests need it
type Json = any;

async function ok(t: TestSwitchboard, method: 'POST' | 'PATCH', url: string, body: unknown): Promise<Json> {
  const res = await t.api(method, url, body);
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A flag whose production configuration is `production` (fields replaced by JSON patch). */
export async function createFlag(
  t: TestSwitchboard,
  key: string,
  variations: readonly unknown[],
  production: Record<string, unknown>,
): Promise<Json> {
  await ok(t, 'POST', `/api/v2/flags/${project}`, {
    key,
    name: key,
    variations: variations.map((value) => ({ value })),
  });
  const ops = Object.entries(production).map(([field, value]) => ({
    op: 'replace',
    path: `/environments/${env}/${field}`,
    value,
  }));
  return ok(t, 'PATCH', `/api/v2/flags/${project}/${key}`, ops);
}

/** A boolean flag that serves `true` by one rule with these clauses and `false` otherwise. */
export async function ruleFlag(
  t: TestSwitchboard,
  key: string,
  clauses: readonly ClauseInput[],
): Promise<Json> {
  return createFlag(t, key, [true, false], {
    on: true,
    fallthrough: { variation: 1 },
    rules: [{ clauses, variation: 0 }],
  });
}

export async function createSegment(
  t: TestSwitchboard,
  key: string,
  body: Record<string, unknown>,
): Promise<Json> {
  return ok(t, 'POST', `/api/v2/segments/${project}/${env}`, { key, name: key, ...body });
}

export async function archiveFlag(t: TestSwitchboard, key: string): Promise<Json> {
  return ok(t, 'PATCH', `/api/v2/flags/${project}/${key}`, [
    { op: 'replace', path: '/archived', value: true },
  ]);
}
