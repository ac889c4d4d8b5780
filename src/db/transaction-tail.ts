import { CompiledQuery, type Kysely, sql } from 'kysely';
import { TurnBatch } from '../shared/turn-batch.js';
import { hasBegun, lastStatementMark } from './deferred-begin.js';
import type { Database, Executor } from './schema.js';

/** A write whose result nobody reads, held for the last statement of a change's transaction. */
export interface HeldWrite {
  readonly query: CompiledQuery<unknown>;
  /** The table it writes: two writes to one table keep their order (see `flush`). */
  readonly table: string;
  /**
   * A compare-and-set: the write must change exactly this many rows, or `failure` fails the
   * change (the transaction rolls back, held writes and notices with it).
   */
  readonly expect?: { readonly rows: number; readonly failure: () => Error } | undefined;
  /**
   * The query reads instead of writing (`select 1 … where <what the change was based on>`): a
   * check held with the writes, so what it checks is read in the same statement they are
   * written in. Its `expect` counts the rows it selects.
   */
  readonly reads?: boolean;
}

/**
 * A held check found that something the change was based on had moved (read from a cache that
 * was out of date): nothing of it was written, and `ChangeLog` runs the change again.
 */
export class StaleRead extends Error {
  constructor(what: string) {
    super(`${what} changed while this change was made`);
    this.name = 'StaleRead';
  }
}

interface Tail {
  readonly writes: HeldWrite[];
  readonly notices: [channel: string, payload: string][];
}

/** A change's last statement, sent with others of the same turn (`TransactionTail.shared`). */
interface SharedTail {
  /** The change's transaction: it has sent nothing that needs `begin`. */
  readonly tx: Executor;
  readonly tail: Tail;
}

/** Parameters in one statement at most (PostgreSQL takes 65,535): a larger turn is sent in parts. */
const parametersPerStatement = 30_000;

/**
 * The last statement of a change's transaction on PostgreSQL, where every statement is a network
 * round trip. What a change writes without reading back is held here while the use case runs and
 * sent in one statement just before the commit: the flag's compare-and-set, its audit entry, its
 * delivery rows and the NOTIFYs that wake other processes, as
 * `with w0 as (update … returning 1), w1 as (insert …), w2 as (insert …) select <w0 changed one
 * row, or fail>, pg_notify(…)`. A toggle was a statement for each (see bench/README.md).
 *
 * Only a transaction that ChangeLog opened here (`open`) holds anything; on any other executor a
 * write or a notice runs at once, so nothing is ever held without a flush to send it. Writes keep
 * their order within a table: the sub-statements of one `WITH` run in no defined order, so only
 * the longest run of writes at the end that touch different tables shares the last statement,
 * and any before it run one by one (delivery ids are queue order).
 *
 * With `share` (a PostgreSQL pool), the last statements of changes that flush in one event-loop
 * turn, each the only statement of its change that writes (its transaction never sent `begin`),
 * are sent as one statement on the first one's connection: one commit for them all, as SQLite's
 * group commit does. Such a change has read only (each read its own snapshot), so its writes
 * mean the same on any connection; its checks (a compare-and-set, the integrations' generation)
 * are made in that statement. If the statement fails, nothing of it was written, and each is
 * sent again on its own connection, so that only a change that fails alone fails. A failure
 * that may have committed (the connection lost) fails them all, as it would one alone.
 */
export class TransactionTail {
  private readonly open_ = new WeakMap<object, Tail>();
  private readonly shared: TurnBatch<number, void, SharedTail> | undefined;
  private sharing = 0;

  constructor({ share = false }: { readonly share?: boolean } = {}) {
    if (share) this.shared = new TurnBatch((_, tails) => sendTogether(tails));
  }

  /** From now until `flush`, writes and notices in `tx` are held. */
  open(tx: Executor): void {
    this.open_.set(tx, { writes: [], notices: [] });
  }

  /** Whether `tx` holds its writes until its flush. */
  holds(tx: Executor | Kysely<Database>): boolean {
    return this.open_.has(tx);
  }

  /** `write` at the flush of `tx`, or now when `tx` is not open here. */
  async write(tx: Executor, write: HeldWrite): Promise<void> {
    const tail = this.open_.get(tx);
    if (tail === undefined) {
      await runWrite(tx, write);
      return;
    }
    tail.writes.push(write);
  }

  /** A NOTIFY at the flush of `tx` (delivered when it commits), or now when `tx` is not open. */
  async notify(tx: Executor | Kysely<Database>, channel: string, payload: string): Promise<void> {
    const tail = this.open_.get(tx);
    if (tail === undefined) {
      await sql`select pg_notify(${channel}, ${payload})`.execute(tx);
      return;
    }
    tail.notices.push([channel, payload]);
  }

  /** Sends what `tx` holds, in as few statements as order allows; `tx` is no longer open. */
  async flush(tx: Executor): Promise<void> {
    const tail = this.open_.get(tx);
    if (tail === undefined) return;
    this.open_.delete(tx);
    const { writes, notices } = tail;
    let split = writes.length;
    const tables = new Set<string>();
    while (split > 0) {
      const table = (writes[split - 1] as HeldWrite).table;
      if (tables.has(table)) break;
      tables.add(table);
      split--;
    }
    for (const write of writes.slice(0, split)) await runWrite(tx, write);
    const last = { writes: writes.slice(split), notices };
    if (last.writes.length === 0 && notices.length === 0) return;
    if (this.shared !== undefined && split === 0 && !(await hasBegun(tx))) {
      this.sharing = (this.sharing + 1) % Number.MAX_SAFE_INTEGER;
      return this.shared.get(this.sharing, { tx, tail: last });
    }
    await sendAlone(tx, last);
  }

  /** The transaction failed: nothing it held is sent. */
  discard(tx: Executor): void {
    this.open_.delete(tx);
  }
}

/** In the message of the error a failed check raises: which write changed the wrong number of rows. */
const refusedWrite = /held write (\d+)\.(\d+) refused/;

/**
 * The last statement of these tails, each change's writes as `w<change>_<write>` and its checks
 * as columns: `with w0_0 as (update … returning 1), w0_1 as (insert …), w1_0 as (…) select
 * <w0_0 changed one row, or fail>, <w1_0 …>, pg_notify(…)`.
 */
function lastStatement(tails: readonly Tail[]): CompiledQuery {
  const parameters: unknown[] = [];
  const bind = (value: unknown) => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  const ctes: string[] = [];
  const columns: string[] = [];
  for (const [k, { writes }] of tails.entries())
    for (const [i, write] of writes.entries()) {
      const offset = parameters.length;
      parameters.push(...write.query.parameters);
      const returning = write.expect === undefined || write.reads === true ? '' : ' returning 1';
      ctes.push(`w${k}_${i} as (${renumbered(write.query.sql, offset)}${returning})`);
      if (write.expect !== undefined) columns.push(checked(k, i, write.expect.rows));
    }
  for (const { notices } of tails)
    for (const [channel, payload] of notices) columns.push(`pg_notify(${bind(channel)}, ${bind(payload)})`);
  const select = `select ${columns.length === 0 ? '1' : columns.join(', ')}`;
  const text = `${lastStatementMark} ${ctes.length === 0 ? select : `with ${ctes.join(', ')} ${select}`}`;
  return CompiledQuery.raw(text, parameters);
}

/** One change's last statement on its own connection; a refused check fails it with its own error. */
async function sendAlone(tx: Executor, tail: Tail): Promise<void> {
  try {
    await tx.executeQuery(lastStatement([tail]));
  } catch (error) {
    const refused = refusedWrite.exec(error instanceof Error ? error.message : '');
    const write = refused === null ? undefined : tail.writes[Number(refused[2])];
    throw write?.expect?.failure() ?? error;
  }
}

/**
 * The last statements of one turn's changes in as few statements as their parameters allow, on
 * the first one's connection (see `TransactionTail`). A statement PostgreSQL refused (an error
 * with its SQLSTATE: a check, a constraint) wrote nothing, and each is then sent on its own.
 */
async function sendTogether(shared: readonly SharedTail[]): Promise<PromiseSettledResult<void>[]> {
  const results: PromiseSettledResult<void>[] = [];
  let start = 0;
  while (start < shared.length) {
    let end = start + 1;
    let count = parameterCount(shared[start] as SharedTail);
    while (end < shared.length && count + parameterCount(shared[end] as SharedTail) <= parametersPerStatement)
      count += parameterCount(shared[end++] as SharedTail);
    const part = shared.slice(start, end);
    results.push(...(await sendPart(part)));
    start = end;
  }
  return results;
}

async function sendPart(part: readonly SharedTail[]): Promise<PromiseSettledResult<void>[]> {
  const [first] = part;
  if (first === undefined) return [];
  if (part.length === 1) return Promise.allSettled([sendAlone(first.tx, first.tail)]);
  try {
    await first.tx.executeQuery(lastStatement(part.map((p) => p.tail)));
    return part.map(() => ({ status: 'fulfilled', value: undefined }));
  } catch (error) {
    if (!refusedByServer(error)) return part.map(() => ({ status: 'rejected', reason: error }));
    return Promise.allSettled(part.map(({ tx, tail }) => sendAlone(tx, tail)));
  }
}

function parameterCount({ tail }: SharedTail): number {
  return tail.writes.reduce((n, w) => n + w.query.parameters.length, 0) + tail.notices.length * 2;
}

/** An error PostgreSQL answered with (it has a SQLSTATE): the statement ran and rolled back. */
function refusedByServer(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(error.code)
  );
}

/**
 * A check that fails the statement itself, so that nothing of it is written even when it runs
 * on its own, outside a transaction (db/deferred-begin.ts): the count of rows `w<k>_<i>` changed,
 * or a cast that cannot succeed. The `case` depends on the count, so it is evaluated per
 * execution, never folded into a constant when the statement is planned.
 */
function checked(k: number, i: number, rows: number): string {
  const cte = `w${k}_${i}`;
  return `cast(case when (select count(*) from ${cte}) = ${rows} then '0' else 'held write ${k}.${i} refused' end as integer) as c${k}_${i}`;
}

/** One held write on its own, with its check. */
async function runWrite(tx: Executor, write: HeldWrite): Promise<void> {
  const result = await tx.executeQuery(write.query);
  const rows = write.reads === true ? result.rows.length : Number(result.numAffectedRows ?? 0);
  if (write.expect !== undefined && rows !== write.expect.rows) throw write.expect.failure();
}

/**
 * `$n` placeholders moved up by `offset`, for a query placed after others in one statement. The
 * texts are Kysely's, whose only `$` are its placeholders: values are always bound, and the
 * literals written into our SQL (`'pending'`) have none.
 */
function renumbered(text: string, offset: number): string {
  if (offset === 0) return text;
  return text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}
