import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database, Executor } from './schema.js';

/**
 * A query of fixed shape, built and compiled by Kysely once per dialect and then run with new
 * parameters. Kysely builds an operation tree and compiles it to SQL on every call; on the
 * toggle and delivery paths that was 12–20 % of the server's CPU in bench/delivery, for SQL
 * texts that never change.
 *
 * `build` is called once, with placeholders in place of the arguments: it must pass each
 * argument through to Kysely as a value (`where('id', '=', id)`, `.set({ doc })`) and must not
 * look inside it, branch on it or spread it. Arrays and optional parts do not fit; use Kysely
 * directly for those. Every argument must reach the SQL, which the first call checks.
 */
export interface PreparedQuery<A extends readonly unknown[], O> {
  /** Every row. */
  all(db: Executor, ...args: A): Promise<O[]>;
  /** The first row, if any. */
  first(db: Executor, ...args: A): Promise<O | undefined>;
  /** A write: how many rows it changed. */
  run(db: Executor, ...args: A): Promise<number>;
  /** The query with these arguments, to run later (a write held by TransactionTail). */
  compile(db: Executor, ...args: A): CompiledQuery<O>;
}

/** The one better-sqlite3 connection behind a SQLite Kysely instance (see `runDirectly`). */
export interface DirectSqlite {
  prepare(sql: string): {
    readonly reader: boolean;
    /** It changes nothing (outside a transaction, a write waits for its turn: `WriteTurns`). */
    readonly readonly: boolean;
    all(parameters: readonly unknown[]): unknown[];
    run(parameters: readonly unknown[]): { readonly changes: number | bigint };
  };
  /** True while any transaction is open on the connection. */
  readonly inTransaction: boolean;
}

const directConnections = new WeakMap<object, DirectSqlite>();

/**
 * Lets prepared queries on this SQLite database skip Kysely's executor (a connection mutex,
 * several promises and a result transform per statement) and run the prepared statement
 * themselves: inside a transaction, whose connection the caller holds; or a read when no
 * transaction is open, so the statement runs on its own, synchronously, exactly as Kysely would
 * run it (a write on its own waits for the write turn through Kysely's connection).
 * While another caller's transaction is open, queries wait for it through Kysely as before.
 */
export function runDirectly(db: Kysely<Database>, sqlite: DirectSqlite): void {
  directConnections.set(db.getExecutor().adapter, sqlite);
}

const placeholder = Symbol('prepared-query placeholder');

interface Placeholder {
  readonly [placeholder]: number;
}

function isPlaceholder(value: unknown): value is Placeholder {
  return typeof value === 'object' && value !== null && placeholder in value;
}

/** Where each compiled parameter comes from: an argument's index, or a constant of the query. */
type Slot = { readonly arg: number } | { readonly constant: unknown };

interface Template {
  readonly compiled: CompiledQuery<unknown>;
  readonly slots: readonly Slot[];
}

export function prepareQuery<A extends readonly unknown[], O>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<O>,
): PreparedQuery<A, O> {
  // Keyed by the dialect's adapter, which a Kysely instance and its transactions share.
  const templates = new WeakMap<object, Template>();
  const arity = build.length - 1;

  function template(db: Executor, key: object): Template {
    let found = templates.get(key);
    if (found === undefined) {
      const args = Array.from({ length: arity }, (_, i): Placeholder => ({ [placeholder]: i }));
      const compiled = build(db, ...(args as unknown as A)).compile() as CompiledQuery<unknown>;
      const slots = compiled.parameters.map(
        (p): Slot => (isPlaceholder(p) ? { arg: p[placeholder] } : { constant: p }),
      );
      for (let i = 0; i < arity; i++) {
        if (!slots.some((s) => 'arg' in s && s.arg === i))
          throw new Error(`prepared query: argument ${i} does not reach the SQL of ${compiled.sql}`);
      }
      found = { compiled, slots };
      templates.set(key, found);
    }
    return found;
  }

  function bound(db: Executor, adapter: object, args: A) {
    const { compiled, slots } = template(db, adapter);
    return { compiled, parameters: slots.map((s) => ('arg' in s ? args[s.arg] : s.constant)) };
  }

  async function execute(db: Executor, args: A): Promise<QueryResult<O>> {
    const adapter = db.getExecutor().adapter;
    const { compiled, parameters } = bound(db, adapter, args);
    const direct = directConnections.get(adapter);
    if (direct !== undefined && (db.isTransaction || !direct.inTransaction)) {
      const statement = direct.prepare(compiled.sql);
      // A write on its own goes through Kysely's connection, which takes the write turn first.
      if (db.isTransaction || statement.readonly) {
        if (statement.reader) return { rows: statement.all(parameters) as O[] };
        return { rows: [], numAffectedRows: BigInt(statement.run(parameters).changes) };
      }
    }
    return db.executeQuery<O>({ ...compiled, parameters } as CompiledQuery<O>);
  }

  return {
    async all(db, ...args) {
      return (await execute(db, args)).rows;
    },
    async first(db, ...args) {
      return (await execute(db, args)).rows[0];
    },
    async run(db, ...args) {
      const result = await execute(db, args);
      return Number(result.numAffectedRows ?? 0n);
    },
    compile(db, ...args) {
      const { compiled, parameters } = bound(db, db.getExecutor().adapter, args);
      return { ...compiled, parameters } as CompiledQuery<O>;
    },
  };
}
