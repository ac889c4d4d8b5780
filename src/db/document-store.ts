import { ConflictError, NotFoundError } from '../errors/app-errors.js';
import { prepareQuery } from './prepared-query.js';
import type { DocumentTable, Executor } from './schema.js';

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

interface Row {
  id: string;
  scope: string;
  key: string;
  doc: string;
  version: number;
  created_at: number;
}

function toStored<T>(row: Row): StoredDocument<T> {
  return {
    id: row.id,
    scope: row.scope,
    key: row.key,
    version: Number(row.version),
    createdAt: Number(row.created_at),
    doc: JSON.parse(row.doc) as T,
  };
}

const columns = ['id', 'scope', 'key', 'doc', 'version', 'created_at'] as const;

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
  ) {
    this.byKey = prepareQuery((db, scope: string, key: string) =>
      db.selectFrom(table).select(columns).where('scope', '=', scope).where('key', '=', key),
    );
    this.byId = prepareQuery((db, id: string) => db.selectFrom(table).select(columns).where('id', '=', id));
    this.byLookup = prepareQuery((db, lookup: string) =>
      db
        .selectFrom(table)
        .select([...columns, 'secret'])
        .where('lookup', '=', lookup),
    );
    this.inScope = prepareQuery((db, scope: string) =>
      db.selectFrom(table).select(columns).where('scope', '=', scope).orderBy('created_at').orderBy('id'),
    );
    this.replaceDoc = prepareQuery((db, doc: string, version: number, id: string, expected: number) =>
      db.updateTable(table).set({ doc, version }).where('id', '=', id).where('version', '=', expected),
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

  async listAll(db: Executor): Promise<StoredDocument<T>[]> {
    const rows = await db
      .selectFrom(this.table)
      .select(columns)
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
      ? await this.replaceDoc.run(db, JSON.stringify(doc), current.version + 1, current.id, current.version)
      : await this.updateWith(db, current, doc, changes);
    if (updated !== 1) {
      throw new ConflictError(
        `${this.describe} "${current.key}" was changed by someone else; reload and retry`,
      );
    }
    return { ...current, doc, version: current.version + 1, key: changes.key ?? current.key };
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
    if (Number(result.numDeletedRows) !== 1) {
      throw new ConflictError(
        `${this.describe} "${current.key}" was changed by someone else; reload and retry`,
      );
    }
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
