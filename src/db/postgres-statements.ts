import type pg from 'pg';
import { answerDeadline } from './answer-deadline.js';
import { deferBegin } from './deferred-begin.js';

/**
 * The most SQL texts that get a server-side prepared statement. Each name is prepared once per
 * pooled connection and kept by PostgreSQL for the connection's life, so the set is bounded:
 * past it (`in (…)` lists of many lengths, one-off reports) texts run unnamed, as before.
 */
const maxNamedTexts = 1_000;
/** A long text is a one-off (a many-row insert, a long `in (…)` list): not worth a name. */
const maxNamedLength = 4_000;

type Query = (text: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * Makes the pool's connections run each parameterized SQL text as a named prepared statement:
 * PostgreSQL parses and plans it once per connection instead of on every execution (node-pg
 * sends an unnamed Parse for each query otherwise). Kysely calls `client.query(text, values)`;
 * texts without parameters (`begin`, `commit`, migrations with several statements) keep the
 * simple protocol, which is the only one that takes several statements at once. Each connection
 * also holds a transaction's `begin` until a statement needs it (db/deferred-begin.ts), and, with
 * `answerMs`, is closed when its server does not answer a statement in time (db/answer-deadline.ts).
 */
export function prepareStatementsByName(
  pool: pg.Pool,
  options: { answerMs?: number | undefined } = {},
): void {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= maxNamedTexts || text.length > maxNamedLength) return undefined;
      name = `sb${names.size}`;
      names.set(text, name);
    }
    return name;
  };
  const wrapped = new WeakSet<object>();
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient>;
  const named = async (callback?: unknown): Promise<pg.PoolClient> => {
    // The callback form is pg's own (`pool.query`); Kysely awaits the promise.
    if (callback !== undefined) return connect(callback);
    const client = await connect();
    if (wrapped.has(client)) return client;
    wrapped.add(client);
    // Innermost: it times what is sent to the server, not a `begin` held back.
    if (options.answerMs !== undefined)
      answerDeadline(client as unknown as Parameters<typeof answerDeadline>[0], options.answerMs);
    const query = client.query.bind(client) as Query;
    (client as unknown as { query: Query }).query = (text, values, callback) => {
      if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
        const name = nameOf(text);
        if (name !== undefined) return query({ name, text, values }, callback);
      }
      return query(text, values, callback);
    };
    // Over the names: it sees each text as Kysely sends it, and sends `begin` only when needed.
    deferBegin(client as unknown as { query: Query });
    return client;
  };
  // Only `connect` changes: Kysely reserves a connection per query or transaction through it.
  (pool as unknown as { connect: typeof named }).connect = named;
}
