import { type Kysely, sql } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { type ChannelLimit, fingerprint, type ThrottleKey } from '../delivery-channel.js';
import { slotWaitMs, withSend } from '../rate-limiter.js';
import { MemorySendThrottle, type SendThrottle, unlimited } from '../send-throttle.js';

/** A key as its row names it: hashed, as a key may hold what a text column cannot (NUL). */
interface StoredKey {
  readonly limiter: string;
  readonly key: string;
}

interface ThrottleRow {
  limiter: string;
  key: string;
  /** The key's `SendWindow`, as JSON. */
  sends: string;
  blocked_until: number;
}

/**
 * `SendThrottle` kept in the database (`send_throttles`, a row per key): a room's 30 messages a
 * minute are its 30 however many workers send to it on PostgreSQL, and a worker that starts after
 * a restart still sees what was sent in the window, on either database. A take locks its keys'
 * rows (in one order, so two takes never wait on each other crosswise; on SQLite the
 * transaction's write lock), checks every key, and writes the send into each only when all have
 * a slot: three round trips, for chat sends that go out tens of times a minute. The SQL is the
 * same on both databases (`case` for `greatest`, a VALUES list's own column names).
 *
 * Keys whose limit is 0 (the operator turned that throttle off) stay in this process's memory:
 * such a send costs no statement, and a 429's reset holds back only the process that heard it.
 */
export class DatabaseSendThrottle implements SendThrottle {
  private readonly local: MemorySendThrottle;
  /** When this process last deleted rows that no longer matter (`pruneNow`). */
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly limits: ReadonlyMap<string, ChannelLimit>,
  ) {
    this.local = new MemorySendThrottle(limits);
  }

  async take(keys: readonly ThrottleKey[], now: number): Promise<number> {
    const { shared, local } = this.split(keys);
    const localWait = this.local.takeNow(local, now);
    if (localWait > 0 || shared.length === 0) return localWait;
    if (now - this.prunedAt >= pruneEveryMs) {
      this.prunedAt = now;
      // Best effort, beside the take: a failure leaves the rows for the next hour's try.
      this.pruneNow(now).catch(() => undefined);
    }
    return this.db.transaction().execute(async (tx) => {
      const { rows } = await sql<ThrottleRow>`
        insert into send_throttles as t (limiter, key, sends, blocked_until, touched_at)
        values ${sql.join(shared.map((k) => sql`(${k.limiter}, ${k.key}, '[]', 0, ${now})`))}
        on conflict (limiter, key) do update set touched_at = ${later('touched_at')}
        returning limiter, key, sends, blocked_until`.execute(tx);
      const windows = rows.map((row) => ({ row, limit: this.limitOf(row.limiter), sends: parse(row.sends) }));
      const wait = Math.max(
        0,
        ...windows.map(({ row, limit, sends }) =>
          Math.max(row.blocked_until - now, slotWaitMs(sends, limit.limit, limit.windowMs, now)),
        ),
      );
      if (wait > 0) return wait;
      const updated = windows.map(
        ({ row, limit, sends }) =>
          sql`(${row.limiter}, ${row.key}, ${JSON.stringify(withSend(sends, limit.limit, now))})`,
      );
      await sql`
        update send_throttles as t set sends = v.column3
        from (values ${sql.join(updated)}) as v
        where t.limiter = v.column1 and t.key = v.column2`.execute(tx);
      return 0;
    });
  }

  async blockUntil(keys: readonly ThrottleKey[], until: number): Promise<void> {
    const { shared, local } = this.split(keys);
    this.local.blockNow(local, until);
    if (shared.length === 0) return;
    await sql`
      insert into send_throttles as t (limiter, key, sends, blocked_until, touched_at)
      values ${sql.join(shared.map((k) => sql`(${k.limiter}, ${k.key}, '[]', ${until}, ${until})`))}
      on conflict (limiter, key) do update set
        blocked_until = ${later('blocked_until')}, touched_at = ${later('touched_at')}`.execute(this.db);
  }

  /**
   * Deletes the rows of keys nothing was sent under for a day, with no block still running (a
   * rotated token's, a room no integration names any more): no window is longer than minutes,
   * so such a row holds nothing back. Once an hour per process, on a take.
   */
  async pruneNow(now: number): Promise<number> {
    const { numDeletedRows } = await this.db
      .deleteFrom('send_throttles')
      .where('touched_at', '<', now - keptForMs)
      .where('blocked_until', '<', now)
      .executeTakeFirst();
    return Number(numDeletedRows);
  }

  /**
   * The keys with a limit, each once and in the one order every take locks them in (`shared`),
   * and those without (`local`).
   */
  private split(keys: readonly ThrottleKey[]): { shared: StoredKey[]; local: ThrottleKey[] } {
    const shared = new Map<string, StoredKey>();
    const local: ThrottleKey[] = [];
    for (const k of keys) {
      if (this.limitOf(k.limiter).limit === 0) {
        local.push(k);
        continue;
      }
      const stored = { limiter: k.limiter, key: fingerprint(k.key) };
      shared.set(`${stored.limiter} ${stored.key}`, stored);
    }
    const sorted = [...shared.values()].sort(
      (a, b) => compare(a.limiter, b.limiter) || compare(a.key, b.key),
    );
    return { shared: sorted, local };
  }

  private limitOf(limiter: string): ChannelLimit {
    return this.limits.get(limiter) ?? unlimited(limiter);
  }
}

const pruneEveryMs = 60 * 60_000;
const keptForMs = 24 * 60 * 60_000;

/** The later of a row's column and the conflicting insert's (`greatest`, which SQLite lacks). */
const later = (column: 'touched_at' | 'blocked_until') =>
  sql`case when t.${sql.ref(column)} > excluded.${sql.ref(column)} then t.${sql.ref(column)} else excluded.${sql.ref(column)} end`;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function parse(sends: string): number[] {
  const parsed: unknown = JSON.parse(sends);
  return Array.isArray(parsed) ? parsed.filter((t): t is number => typeof t === 'number') : [];
}
