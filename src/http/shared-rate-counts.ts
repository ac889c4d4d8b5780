import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { DbCapabilities } from '../db/database.js';
import type { Database } from '../db/schema.js';
import {
  type RateReport,
  RestRateLimiter,
  rateWindowMs,
  type SharedRateCounts,
  type SharedWindow,
} from './rate-limit.js';

/** How often an API process reports its counts when it has any: the most the others lag. */
export const rateReportEveryMs = 200;
/** Callers per statement, so that a crowd of them stays within a statement's parameters. */
const reportsPerStatement = 500;
/** A window this long over is deleted, once a minute, by the process that reports then. */
const pruneAfterMs = 60_000;

/**
 * `SharedRateCounts` in the database (`rate_windows`, a row per caller): one statement adds a
 * report's counts, starting a caller's window afresh from the report's where the stored one has
 * run out, and answers the windows it wrote.
 */
export class DatabaseRateCounts implements SharedRateCounts {
  private prunedAt = 0;

  constructor(private readonly db: Kysely<Database>) {}

  async add(reports: readonly RateReport[], now: number): Promise<readonly SharedWindow[]> {
    if (now - this.prunedAt >= pruneAfterMs) {
      this.prunedAt = now;
      await this.db
        .deleteFrom('rate_windows')
        .where('started_at', '<', now - pruneAfterMs)
        .execute();
    }
    const windows: SharedWindow[] = [];
    const over = now - rateWindowMs; // a stored window that started by then has run out
    for (let i = 0; i < reports.length; i += reportsPerStatement) {
      const batch = reports.slice(i, i + reportsPerStatement);
      const rows = await this.db
        .insertInto('rate_windows')
        .values(batch.map((r) => ({ caller: r.caller, started_at: r.start, total: r.count })))
        .onConflict((oc) =>
          oc.column('caller').doUpdateSet({
            started_at: sql`case when rate_windows.started_at <= ${over} then excluded.started_at else rate_windows.started_at end`,
            total: sql`case when rate_windows.started_at <= ${over} then excluded.total else rate_windows.total + excluded.total end`,
          }),
        )
        .returning(['caller', 'started_at', 'total'])
        .execute();
      for (const row of rows)
        windows.push({ caller: row.caller, start: Number(row.started_at), total: Number(row.total) });
    }
    return windows;
  }

  async window(caller: string, now: number): Promise<SharedWindow | undefined> {
    const row = await this.db
      .selectFrom('rate_windows')
      .select(['started_at', 'total'])
      .where('caller', '=', caller)
      .where('started_at', '>', now - rateWindowMs)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { caller, start: Number(row.started_at), total: Number(row.total) };
  }
}

/**
 * The REST rate limiter for this process: shared through the database where several processes
 * may serve the API (PostgreSQL), in memory where one does (a SQLite file).
 */
export function restRateLimiterFor(
  limit: number,
  capabilities: DbCapabilities,
  db: Kysely<Database>,
  logger: Logger,
): RestRateLimiter {
  if (!capabilities.sharedRateLimits || limit === 0) return new RestRateLimiter(limit);
  return new RestRateLimiter(limit, Date.now, {
    counts: new DatabaseRateCounts(db),
    everyMs: rateReportEveryMs,
    onError: (error) =>
      logger.warn(
        { err: error },
        'REST rate counts not shared; this process counts alone until the next report',
      ),
  });
}
