import { CompiledQuery, type Kysely, sql } from 'kysely';
import { lastStatementMark } from './deferred-begin.js';
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
 */
export class TransactionTail {
  private readonly open_ = new WeakMap<object, Tail>();

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
    const last = writes.slice(split);
    if (last.length === 0 && notices.length === 0) return;
    const parameters: unknown[] = [];
    const bind = (value: unknown) => {
      parameters.push(value);
      return `$${parameters.length}`;
    };
    const ctes = last.map((write, i) => {
      const offset = parameters.length;
      parameters.push(...write.query.parameters);
      const text = renumbered(write.query.sql, offset);
      const returning = write.expect === undefined || write.reads === true ? '' : ' returning 1';
      return `w${i} as (${text}${returning})`;
    });
    const columns = [
      ...last.flatMap((write, i) => (write.expect === undefined ? [] : [checked(i, write.expect.rows)])),
      ...notices.map(([channel, payload]) => `pg_notify(${bind(channel)}, ${bind(payload)})`),
    ];
    const select = `select ${columns.length === 0 ? '1' : columns.join(', ')}`;
    const text = `${lastStatementMark} ${ctes.length === 0 ? select : `with ${ctes.join(', ')} ${select}`}`;
    try {
      await tx.executeQuery(CompiledQuery.raw(text, parameters));
    } catch (error) {
      const refused = refusedWrite.exec(error instanceof Error ? error.message : '');
      const write = refused === null ? undefined : last[Number(refused[1])];
      throw write?.expect?.failure() ?? error;
    }
  }

  /** The transaction failed: nothing it held is sent. */
  discard(tx: Executor): void {
    this.open_.delete(tx);
  }
}

/** In the message of the error a failed check raises: which write changed the wrong number of rows. */
const refusedWrite = /held write (\d+) refused/;

/**
 * A check that fails the statement itself, so that nothing of it is written even when it runs
 * on its own, outside a transaction (db/deferred-begin.ts): the count of rows `w<i>` changed, or
 * a cast that cannot succeed. The `case` depends on the count, so it is evaluated per execution,
 * never folded into a constant when the statement is planned.
 */
function checked(i: number, rows: number): string {
  return `cast(case when (select count(*) from w${i}) = ${rows} then '0' else 'held write ${i} refused' end as integer) as c${i}`;
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
