import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { Database, Executor } from './schema.js';

/** A write whose result nobody reads. */
interface Deferred {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

interface Tail {
  readonly writes: Deferred[];
  readonly notices: [channel: string, payload: string][];
}

/**
 * The last statement of a change's transaction on PostgreSQL, where every statement is a network
 * round trip. What a change's fan-outs write without reading anything back (its delivery rows,
 * the NOTIFYs that wake other processes) is held here while the use case runs and sent in one
 * statement just before the commit: `with w as (insert …) select pg_notify(…), pg_notify(…)`. A
 * toggle was a statement for each delivery row and one per NOTIFY (see bench/README.md).
 *
 * Only a transaction that ChangeLog opened here (`open`) defers; on any other executor a write
 * or a notice runs at once, so nothing is ever held without a flush to send it. Writes keep
 * their order: with more than one, all but the last run one by one at the flush (the
 * sub-statements of one `WITH` run in no defined order, and delivery ids are queue order).
 */
export class TransactionTail {
  private readonly open_ = new WeakMap<object, Tail>();

  /** From now until `flush`, writes and notices in `tx` are held. */
  open(tx: Executor): void {
    this.open_.set(tx, { writes: [], notices: [] });
  }

  /** `query` at the flush of `tx`, or now when `tx` is not open here. */
  async write(tx: Executor, query: CompiledQuery<unknown>): Promise<void> {
    const tail = this.open_.get(tx);
    if (tail === undefined) {
      await tx.executeQuery(query);
      return;
    }
    tail.writes.push({ sql: query.sql, parameters: query.parameters });
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
    const writes = [...tail.writes];
    const last = writes.pop();
    for (const write of writes) await tx.executeQuery(CompiledQuery.raw(write.sql, [...write.parameters]));
    if (last === undefined && tail.notices.length === 0) return;
    const parameters: unknown[] = last === undefined ? [] : [...last.parameters];
    const notices = tail.notices.map(([channel, payload]) => {
      parameters.push(channel, payload);
      return `pg_notify($${parameters.length - 1}, $${parameters.length})`;
    });
    const select = `select ${notices.length === 0 ? '1' : notices.join(', ')}`;
    const text = last === undefined ? select : `with w as (${last.sql}) ${select}`;
    await tx.executeQuery(CompiledQuery.raw(text, parameters));
  }

  /** The transaction failed: nothing it held is sent. */
  discard(tx: Executor): void {
    this.open_.delete(tx);
  }
}
