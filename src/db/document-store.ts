import { type SqlBool, sql } from 'kysely';
import { ChangedMeanwhileError, ConflictError, NotFoundError } from '../errors/app-errors.js';
import {
  conditionSql,
  isPostgres,
  type ListCondition,
  type ListSort,
  sortSql,
  tieBreak,
} from './document-query.js';
import { listColumns } from './list-columns.js';
import { prepareQuery } from './prepared-query.js';
import type { DocumentTable, Executor } from './schema.js';
import type { TransactionTail } from './transaction-tail.js';

export interface StoredDocument<T> {
  readonly id: string;
  readonly scope: string;
  readonly key: string;
  readonly version: number;
  readonly createdAt: number;
  readonly doc: T;
}

export interface NewDocument<T> {
  readonly id: string;
  readonly scope: string;
  readonly key: string;
  readonly doc: T;
  readonly createdAt: number;
  readonly lookup?: string | null;
  readonly secret?: string | null;
}

export interface DocumentRow {
  id: string;
  scope: string;
  key: string;
  doc: string;
  version: number;
  created_at: number;
}

export function toStored<T>(row: DocumentRow): StoredDocument<T> {
  return {
    id: row.id,
    scope: row.scope,
    key: row.key,
    version: Number(row.version),
    createdAt: Number(row.created_at),
    doc: JSON.parse(row.doc) as T,
  };
}

export const documentColumns = ['id', 'scope', 'key', 'doc', 'version', 'created_at'] as const;

/** One page of a list, cut and counted in the database (see document-query.ts). */
export interface DocumentPageQuery {
  /** The parent (`''`, a project key, `project/env`); every scope when absent. */
  readonly scope?: string;
  readonly where?: readonly ListCondition[];
  /** Creation order (then id) when empty. */
  readonly sort?: readonly ListSort[];
  /** Every matching document when absent. */
  readonly limit?: number;
  readonly offset?: number;
}

export interface DocumentPage<T> {
  readonly items: StoredDocument<T>[];
  /** How many documents match, whatever the page. */
  readonly totalCount: number;
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Versioned JSON documents in one table. Updates are compare-and-set on `version`, so a write
 * based on a stale read fails with a conflict instead of silently losing the other write.
 */
export class DocumentStore<T> {
  // The reads and the plain update run on every request: built and compiled once.
  private readonly byKey;
  private readonly byId;
  private readonly byLookup;
  private readonly inScope;
  private readonly replaceDoc;

  constructor(
    readonly table: DocumentTable,
    private readonly describe: string,
    /** PostgreSQL: where `updateAtEnd` holds its write (the change log's). */
    private readonly tail?: TransactionTail,
  ) {
    this.byKey = prepareQuery((db, scope: string, key: string) =>
      db.selectFrom(table).select(documentColumns).where('scope', '=', scope).where('key', '=', key),
    );
    this.byId = prepareQuery((db, id: string) =>
      db.selectFrom(table).select(documentColumns).where('id', '=', id),
    );
    this.byLookup = prepareQuery((db, lookup: string) =>
      db
        .selectFrom(table)
        .select([...documentColumns, 'secret'])
        .where('lookup', '=', lookup),
    );
    this.inScope = prepareQuery((db, scope: string) =>
      db
        .selectFrom(table)
        .select(documentColumns)
        .where('scope', '=', scope)
        .orderBy('created_at')
        .orderBy('id'),
    );
    this.replaceDoc = prepareQuery(
      (
        db,
        doc: string,
        version: number,
        name: string,
        archived: number,
        tags: string,
        search: string,
        id: string,
        expected: number,
      ) =>
        db
          .updateTable(table)
          .set({ doc, version, name, archived, tags, search })
          .where('id', '=', id)
          .where('version', '=', expected),
    );
  }

  async get(db: Executor, scope: string, key: string): Promise<StoredDocument<T> | undefined> {
    const row = await this.byKey.first(db, scope, key);
    return row === undefined ? undefined : toStored<T>(row);
  }

  /** `get`, or a 404 naming the resource: `Project "default" not found`. */
  async getOrThrow(db: Executor, scope: string, key: string): Promise<StoredDocument<T>> {
    const found = await this.get(db, scope, key);
    if (found === undefined) throw new NotFoundError(`${this.describe} "${key}" not found`);
    return found;
  }

  async getById(db: Executor, id: string): Promise<StoredDocument<T> | undefined> {
    const row = await this.byId.first(db, id);
    return row === undefined ? undefined : toStored<T>(row);
  }

  async getByLookup(
    db: Executor,
    lookup: string,
  ): Promise<(StoredDocument<T> & { secret: string | null }) | undefined> {
    const row = await this.byLookup.first(db, lookup);
    return row === undefined ? undefined : { ...toStored<T>(row), secret: row.secret };
  }

  async getSecret(db: Executor, id: string): Promise<string | null | undefined> {
    const row = await db.selectFrom(this.table).select('secret').where('id', '=', id).executeTakeFirst();
    return row?.secret;
  }

  /** Documents of one parent, in creation order. */
  async list(db: Executor, scope: string): Promise<StoredDocument<T>[]> {
    const rows = await this.inScope.all(db, scope);
    return rows.map((r) => toStored<T>(r));
  }

  /**
   * A page of documents filtered and sorted in the database, with the count of all that match:
   * only the page's documents are read and parsed, so page 50 costs about what page 1 does.
   */
  async page(db: Executor, query: DocumentPageQuery): Promise<DocumentPage<T>> {
    const pg = isPostgres(db);
    const conditions = [
      ...(query.scope === undefined ? [] : [sql<SqlBool>`scope = ${query.scope}`]),
      ...(query.where ?? []).map((c) => conditionSql(pg, c)),
    ];
    const where =
      conditions.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${sql.join(conditions, sql` and `)}`;
    const counted = await db
      .selectFrom(this.table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where(where)
      .executeTakeFirst();
    const totalCount = Number(counted?.n ?? 0);
    const sorts =
      query.sort !== undefined && query.sort.length > 0 ? query.sort : [{ by: 'created' } as const];
    let select = db.selectFrom(this.table).select(documentColumns).where(where);
    for (const s of sorts) select = select.orderBy(sortSql(pg, s));
    select = select.orderBy(tieBreak(sorts));
    if (query.limit !== undefined) select = select.limit(query.limit);
    if (query.offset !== undefined && query.offset > 0) {
      // SQLite takes OFFSET only after LIMIT: -1 is its "no limit".
      if (query.limit === undefined) select = select.limit(pg ? Number.MAX_SAFE_INTEGER : -1);
      select = select.offset(query.offset);
    }
    const rows = totalCount === 0 ? [] : await select.execute();
    return { items: rows.map((r) => toStored<T>(r)), totalCount };
  }

  async listAll(db: Executor): Promise<StoredDocument<T>[]> {
    const rows = await db
      .selectFrom(this.table)
      .select(documentColumns)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => toStored<T>(r));
  }

  async insert(db: Executor, doc: NewDocument<T>): Promise<StoredDocument<T>> {
    const existing = await this.get(db, doc.scope, doc.key);
    if (existing !== undefined)
      throw new ConflictError(`${this.describe} with key "${doc.key}" already exists`);
    if (doc.lookup != null) {
      const taken = await db
        .selectFrom(this.table)
        .select('id')
        .where('lookup', '=', doc.lookup)
        .executeTakeFirst();
      if (taken !== undefined) throw new ConflictError(`${this.describe} "${doc.lookup}" already exists`);
    }
    try {
      await db
        .insertInto(this.table)
        .values({
          id: doc.id,
          scope: doc.scope,
          key: doc.key,
          doc: JSON.stringify(doc.doc),
          version: 1,
          created_at: doc.createdAt,
          lookup: doc.lookup ?? null,
          secret: doc.secret ?? null,
          ...listColumns(this.table, doc.key, doc.doc),
        })
        .execute();
    } catch (error) {
      // Two writers racing past the check above (PostgreSQL, several processes): still a 409.
      if (isUniqueViolation(error))
        throw new ConflictError(`${this.describe} with key "${doc.key}" already exists`);
      throw error;
    }
    return { id: doc.id, scope: doc.scope, key: doc.key, doc: doc.doc, version: 1, createdAt: doc.createdAt };
  }

  /** Compare-and-set: succeeds only if the stored version is still `expectedVersion`. */
  async update(
    db: Executor,
    current: StoredDocument<T>,
    doc: T,
    changes: { key?: string; lookup?: string | null; secret?: string | null } = {},
  ): Promise<StoredDocument<T>> {
    const plain = changes.key === undefined && changes.lookup === undefined && changes.secret === undefined;
    const updated = plain
      ? await this.replaceDoc.run(db, ...this.replaceArguments(current, doc))
      : await this.updateWith(db, current, doc, changes);
    if (updated !== 1) throw this.conflict(current);
    return { ...current, doc, version: current.version + 1, key: changes.key ?? current.key };
  }

  /**
   * `update` of the document alone, held for the last statement of the change's transaction
   * where that transaction holds its writes (PostgreSQL, ChangeLog's: db/transaction-tail.ts),
   * which saves a round trip. The compare-and-set is checked when it runs and fails the change
   * with the same 409. Only for a use case that reads nothing of the document after writing it;
   * anywhere else this is `update`.
   */
  async updateAtEnd(db: Executor, current: StoredDocument<T>, doc: T): Promise<StoredDocument<T>> {
    if (this.tail === undefined || !this.tail.holds(db)) return this.update(db, current, doc);
    await this.tail.write(db, {
      query: this.replaceDoc.compile(db, ...this.replaceArguments(current, doc)),
      table: this.table,
      expect: { rows: 1, failure: () => this.conflict(current) },
    });
    return { ...current, doc, version: current.version + 1 };
  }

  private replaceArguments(current: StoredDocument<T>, doc: T) {
    const list = listColumns(this.table, current.key, doc);
    return [
      JSON.stringify(doc),
      current.version + 1,
      list.name,
      list.archived,
      list.tags,
      list.search,
      current.id,
      current.version,
    ] as const;
  }

  private conflict(current: StoredDocument<T>): ChangedMeanwhileError {
    return new ChangedMeanwhileError(
      `${this.describe} "${current.key}" was changed by someone else; reload and retry`,
    );
  }

  private async updateWith(
    db: Executor,
    current: StoredDocument<T>,
    doc: T,
    changes: { key?: string; lookup?: string | null; secret?: string | null },
  ): Promise<number> {
    const result = await db
      .updateTable(this.table)
      .set({
        doc: JSON.stringify(doc),
        version: current.version + 1,
        ...listColumns(this.table, changes.key ?? current.key, doc),
        ...(changes.key !== undefined ? { key: changes.key } : {}),
        ...(changes.lookup !== undefined ? { lookup: changes.lookup } : {}),
        ...(changes.secret !== undefined ? { secret: changes.secret } : {}),
      })
      .where('id', '=', current.id)
      .where('version', '=', current.version)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async delete(db: Executor, current: StoredDocument<T>): Promise<void> {
    const result = await db
      .deleteFrom(this.table)
      .where('id', '=', current.id)
      .where('version', '=', current.version)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) !== 1) throw this.conflict(current);
  }

  /** Removes every document under a parent scope (`proj` removes `proj` and `proj/env`). */
  async deleteUnder(db: Executor, scope: string): Promise<void> {
    await db
      .deleteFrom(this.table)
      // A range instead of LIKE: '/' sorts just before '0', so [scope/, scope0) is every child.
      .where((eb) =>
        eb.or([
          eb('scope', '=', scope),
          eb.and([eb('scope', '>=', `${scope}/`), eb('scope', '<', `${scope}0`)]),
        ]),
      )
      .execute();
  }
}
