import { CompiledQuery } from 'kysely';
import type { Executor } from './schema.js';
/**
 * Marks the statement a change's transaction ends with (db/transaction-tail.ts): when nothing
 * before it wrote, it runs on its own, atomic as any single statement, with no `begin` before it
 * and no `commit` after.
 */
export const lastStatementMark = '/* last statement */';

/**
 * Asked of a pooled connection and answered by `deferBegin` itself, without a round trip: one
 * row, `{ begun }`, saying whether its transaction has sent `begin` (so has written, locked or
 * notified). Until it has, its last statement may be sent on another connection
 * (`TransactionTail`), as any statement that takes a snapshot of its own.
 */
export const begunProbe = '/* has this transaction begun? */';

/**
 * Whether `tx` has sent `begin`, answered by `deferBegin` without a round trip. A connection
 * without it (or a dialect without it) answers nothing, which counts as begun: the safe side.
 */
export async function hasBegun(tx: Executor): Promise<boolean> {
  const { rows } = await tx.executeQuery<{ begun?: boolean }>(CompiledQuery.raw(begunProbe));
  return rows[0]?.begun !== false;
}

type Query = (text: unknown, values?: unknown, callback?: unknown) => unknown;

/** Statements that lock, notify or draw from a sequence must run inside the transaction. */
const sideEffects =
  /\bfor\s+(?:no\s+key\s+update|key\s+share|update|share)\b|pg_notify|advisory|nextval|setval|set_config/i;

/** A plain read: it takes its own snapshot in a transaction too (READ COMMITTED). */
function plainRead(text: string): boolean {
  return /^\s*select\s/i.test(text) && !sideEffects.test(text);
}

function done(command: string) {
  return Promise.resolve({ command, rowCount: null, rows: [], fields: [] });
}

/**
 * Sends a transaction's `begin` only when it is needed, on one pooled PostgreSQL connection: a
 * round trip each, `begin` and `commit` were two of a toggle's statements (bench/README.md).
 *
 * Under READ COMMITTED, PostgreSQL's default and the only level used here, every statement takes
 * its own snapshot, inside a transaction or not. So the plain reads a transaction starts with
 * (`plainRead`) run just as well before its `begin`, which is held until the first statement that
 * writes, locks or notifies, and sent with it. A transaction whose only write is its last
 * statement (`lastStatementMark`: a toggle's compare-and-set, audit entry, delivery rows and
 * NOTIFYs, in one statement) never sends `begin` or `commit` at all; a rollback with nothing
 * begun sends nothing. Transactions with an isolation level (`start transaction …`) are sent as
 * they are.
 */
export function deferBegin(client: { query: Query }): void {
  const query = client.query.bind(client) as Query;
  /** `begin` asked for and not sent yet. */
  let held = false;
  /** `begin` sent (or `start transaction`), and the transaction not ended yet. */
  let begun = false;
  client.query = (text, values, callback) => {
    if (typeof text !== 'string' || typeof values === 'function' || callback !== undefined)
      return query(text, values, callback);
    if (text === begunProbe)
      return Promise.resolve({ command: 'SELECT', rowCount: 1, rows: [{ begun }], fields: [] });
    if (text === 'begin') {
      held = true;
      return done('BEGIN');
    }
    if (!held) {
      if (text === 'commit' || text === 'rollback') begun = false;
      else if (/^\s*start\s+transaction\b/i.test(text)) begun = true;
      return query(text, values);
    }
    if (text === 'commit' || text === 'rollback') {
      held = false;
      return done(text.toUpperCase());
    }
    if (text.startsWith(lastStatementMark) || plainRead(text)) return query(text, values);
    held = false;
    begun = true;
    // Both at once: a pipelined client (openPostgres) writes them together, one round trip; any
    // other sends the statement once `begin` is answered. A `begin` that fails leaves the
    // connection broken (it is never refused otherwise), so the statement fails with it.
    const begin = query('begin') as Promise<unknown>;
    const statement = query(text, values) as Promise<unknown>;
    return Promise.all([begin, statement]).then(([, result]) => result);
  };
}
