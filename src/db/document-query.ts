import { PostgresAdapter, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Executor } from './schema.js';

/**
 * What a list asks of a document table, as plain data: the stores turn it into SQL so pages,
 * filters and counts run in the database (on the list columns and their indexes, or on the JSON
 * document where a filter is rare), never on every document parsed in the process.
 */
export type ListCondition =
  | { readonly archived: boolean }
  | { readonly column: 'key' | 'id'; readonly in: readonly string[] }
  | { readonly column: 'key'; readonly notIn: readonly string[] }
  | { readonly createdBefore: number }
  /** Case-insensitive substring of the `search` column (see list-columns.ts). */
  | { readonly text: string }
  | { readonly tagsAll: readonly string[] }
  | { readonly tagsAny: readonly string[] }
  /** A JSON field of the document (path from the root); `null` matches a missing field. */
  | { readonly field: readonly string[]; readonly equals: string | number | boolean | null }
  | { readonly field: readonly string[]; readonly in: readonly string[] }
  | { readonly field: readonly string[]; readonly lessThan: number }
  /** A JSON array field that holds this string. */
  | { readonly field: readonly string[]; readonly has: string }
  /** Flags only: an SDK evaluated the flag in `env` after this time (flag_last_evaluated). */
  | { readonly evaluatedAfter: number; readonly env: string }
  | { readonly anyOf: readonly ListCondition[] }
  | { readonly nothing: true };

export type ListSort =
  | { readonly by: 'created' | 'key' | 'name' | 'tags'; readonly desc?: boolean }
  | {
      readonly field: readonly string[];
      readonly type: 'number' | 'text' | 'boolean';
      /** Where `field` is missing, this one (`lastModifiedDate`, else `creationDate`). */
      readonly orElse?: readonly string[];
      readonly desc?: boolean;
    };

export function isPostgres(db: Executor): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** `%`, `_` and the escape itself are literal in what a person searches for. */
function likeContaining(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const safeSegment = /^[A-Za-z0-9._-]+$/;

function checkPath(path: readonly string[]): void {
  // Paths come from code and validated keys, never free text; this keeps it so.
  if (path.length === 0 || !path.every((s) => safeSegment.test(s)))
    throw new Error(`document path ${JSON.stringify(path)} is not a plain field path`);
}

/** The field as text (PostgreSQL) or as its JSON scalar (SQLite: numbers, 1/0 for booleans). */
function jsonField(pg: boolean, path: readonly string[]): RawBuilder<unknown> {
  checkPath(path);
  return pg
    ? sql`(doc::jsonb #>> ${sql.lit(`{${path.join(',')}}`)})`
    : sql`json_extract(doc, ${sql.lit(`$${path.map((s) => `."${s}"`).join('')}`)})`;
}

/**
 * A top-level text field of a document column (`t.doc`, say) as SQL text in either dialect: for
 * joins on an id a document holds (a token's `memberId`).
 */
export function documentText(
  db: Executor,
  column: 'doc' | `${string}.doc`,
  field: string,
): RawBuilder<string> {
  checkPath([field]);
  const ref = sql.ref(column);
  return isPostgres(db)
    ? sql<string>`(${ref}::jsonb ->> ${sql.lit(field)})`
    : sql<string>`json_extract(${ref}, ${sql.lit(`$."${field}"`)})`;
}

function fieldEquals(pg: boolean, path: readonly string[], value: string | number | boolean | null) {
  const field = jsonField(pg, path);
  if (value === null) return sql<SqlBool>`${field} is null`;
  if (typeof value === 'boolean') {
    return pg ? sql<SqlBool>`${field} = ${String(value)}` : sql<SqlBool>`${field} = ${value ? 1 : 0}`;
  }
  if (typeof value === 'number') {
    return pg ? sql<SqlBool>`(${field})::numeric = ${value}` : sql<SqlBool>`${field} = ${value}`;
  }
  return sql<SqlBool>`${field} = ${value}`;
}

function inList(expression: RawBuilder<unknown>, values: readonly string[]): RawBuilder<SqlBool> {
  if (values.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`${expression} in (${sql.join(values.map((v) => sql`${v}`))})`;
}

function tagLike(tag: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`tags like ${likeContaining(` ${tag.toLowerCase()} `)} escape '\\'`;
}

export function conditionSql(pg: boolean, c: ListCondition): RawBuilder<SqlBool> {
  if ('nothing' in c) return sql<SqlBool>`1 = 0`;
  if ('anyOf' in c) {
    if (c.anyOf.length === 0) return sql<SqlBool>`1 = 0`;
    return sql<SqlBool>`(${sql.join(
      c.anyOf.map((inner) => conditionSql(pg, inner)),
      sql` or `,
    )})`;
  }
  if ('archived' in c) return sql<SqlBool>`archived = ${c.archived ? 1 : 0}`;
  if ('evaluatedAfter' in c) {
    return sql<SqlBool>`exists (select 1 from flag_last_evaluated e where e.project_key = flags.scope and e.env_key = ${c.env} and e.flag_key = flags.key and e.at > ${c.evaluatedAfter})`;
  }
  if ('column' in c) {
    const column = sql.ref(c.column);
    if ('notIn' in c) {
      if (c.notIn.length === 0) return sql<SqlBool>`1 = 1`;
      return sql<SqlBool>`not ${inList(column, c.notIn)}`;
    }
    return inList(column, c.in);
  }
  if ('createdBefore' in c) return sql<SqlBool>`created_at < ${c.createdBefore}`;
  if ('text' in c) return sql<SqlBool>`search like ${likeContaining(c.text.toLowerCase())} escape '\\'`;
  if ('tagsAll' in c) {
    if (c.tagsAll.length === 0) return sql<SqlBool>`1 = 1`;
    return sql<SqlBool>`(${sql.join(c.tagsAll.map(tagLike), sql` and `)})`;
  }
  if ('tagsAny' in c) {
    if (c.tagsAny.length === 0) return sql<SqlBool>`1 = 0`;
    return sql<SqlBool>`(${sql.join(c.tagsAny.map(tagLike), sql` or `)})`;
  }
  if ('equals' in c) return fieldEquals(pg, c.field, c.equals);
  if ('in' in c) return inList(jsonField(pg, c.field), c.in);
  if ('lessThan' in c) {
    const field = jsonField(pg, c.field);
    return pg ? sql<SqlBool>`(${field})::numeric < ${c.lessThan}` : sql<SqlBool>`${field} < ${c.lessThan}`;
  }
  checkPath(c.field);
  return pg
    ? sql<SqlBool>`(doc::jsonb #> ${sql.lit(`{${c.field.join(',')}}`)}) @> ${JSON.stringify([c.has])}::jsonb`
    : sql<SqlBool>`exists (select 1 from json_each(doc, ${sql.lit(
        `$${c.field.map((s) => `."${s}"`).join('')}`,
      )}) where value = ${c.has})`;
}

/**
 * One ORDER BY term. A missing JSON field sorts first ascending and last descending on both
 * engines (SQLite and PostgreSQL disagree by default); every sort ends on `id` (tieBreak) so
 * pages never overlap or skip rows that tie.
 */
export function sortSql(pg: boolean, s: ListSort): RawBuilder<unknown> {
  if ('by' in s) {
    // Never null (see list-columns.ts): a plain direction lets both engines walk the index.
    const column = sql.ref(s.by === 'created' ? 'created_at' : s.by);
    return s.desc === true ? sql`${column} desc` : sql`${column} asc`;
  }
  const direction = s.desc === true ? sql`desc nulls last` : sql`asc nulls first`;
  const first = jsonField(pg, s.field);
  const field = s.orElse === undefined ? first : sql`coalesce(${first}, ${jsonField(pg, s.orElse)})`;
  const typed = !pg ? field : s.type === 'number' ? sql`(${field})::numeric` : field;
  return sql`${typed} ${direction}`;
}

export function tieBreak(sorts: readonly ListSort[]): RawBuilder<unknown> {
  const last = sorts[sorts.length - 1];
  return last?.desc === true ? sql`id desc` : sql`id asc`;
}
