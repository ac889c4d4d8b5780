import type { Executor } from '../../db/schema.js';
import type { EnvironmentRef, HourlyCount, LastEvaluated } from './sdk-events-queue.js';

/** The tables of migrations/006-flag-evaluations.ts; only this store reads or writes them. */
type EvaluationTables = {
  flag_evaluations: {
    project_key: string;
    env_key: string;
    flag_key: string;
    variation: number;
    hour: number;
    count: number;
  };
  flag_last_evaluated: { project_key: string; env_key: string; flag_key: string; at: number };
};

const tables = (db: Executor) => db.withTables<EvaluationTables>();

/**
 * Rows per insert statement: 6 parameters a row stays far below SQLite's 32,766 and PostgreSQL's
 * 65,535 parameters per statement.
 */
const rowsPerStatement = 1_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const byKey = <T extends EnvironmentRef & { flagKey: string }>(a: T, b: T): number =>
  a.projectKey.localeCompare(b.projectKey) ||
  a.envKey.localeCompare(b.envKey) ||
  a.flagKey.localeCompare(b.flagKey);

export interface VariationCount {
  /** The variation index, or -1 for the application's default. */
  readonly variation: number;
  readonly count: number;
}

/**
 * Evaluation counts per hour and the last evaluation date, added to by every node. Both writes
 * are upserts that add (or take the later date) in SQL, so nodes never overwrite each other's
 * counts; `insert … on conflict … do update` is the same on SQLite and PostgreSQL.
 */
export class FlagEvaluationStore {
  async add(db: Executor, counts: readonly HourlyCount[], last: readonly LastEvaluated[]): Promise<void> {
    // Rows in one order on every node: two nodes upserting the same rows then lock them in the
    // same order and cannot deadlock each other (PostgreSQL).
    const sortedCounts = [...counts].sort(
      (a, b) => byKey(a, b) || a.hour - b.hour || a.variation - b.variation,
    );
    for (const chunk of chunks(sortedCounts, rowsPerStatement)) {
      await tables(db)
        .insertInto('flag_evaluations')
        .values(
          chunk.map((c) => ({
            project_key: c.projectKey,
            env_key: c.envKey,
            flag_key: c.flagKey,
            variation: c.variation,
            hour: c.hour,
            count: c.count,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['project_key', 'env_key', 'flag_key', 'hour', 'variation'])
            .doUpdateSet((eb) => ({ count: eb('flag_evaluations.count', '+', eb.ref('excluded.count')) })),
        )
        .execute();
    }
    for (const chunk of chunks([...last].sort(byKey), rowsPerStatement)) {
      await tables(db)
        .insertInto('flag_last_evaluated')
        .values(
          chunk.map((l) => ({ project_key: l.projectKey, env_key: l.envKey, flag_key: l.flagKey, at: l.at })),
        )
        .onConflict((oc) =>
          oc
            .columns(['project_key', 'env_key', 'flag_key'])
            .doUpdateSet((eb) => ({ at: eb.ref('excluded.at') }))
            .where((eb) => eb('flag_last_evaluated.at', '<', eb.ref('excluded.at'))),
        )
        .execute();
    }
  }

  /** Counts per variation of one flag in one environment, over the hours from `fromHour` on. */
  async countsSince(
    db: Executor,
    env: EnvironmentRef,
    flagKey: string,
    fromHour: number,
  ): Promise<VariationCount[]> {
    const rows = await tables(db)
      .selectFrom('flag_evaluations')
      .select((eb) => ['variation', eb.fn.sum<number | string>('count').as('count')])
      .where('project_key', '=', env.projectKey)
      .where('env_key', '=', env.envKey)
      .where('flag_key', '=', flagKey)
      .where('hour', '>=', fromHour)
      .groupBy('variation')
      .orderBy('variation')
      .execute();
    // PostgreSQL's sum(bigint) is numeric, which the driver hands over as a string.
    return rows.map((r) => ({ variation: Number(r.variation), count: Number(r.count) }));
  }

  async lastEvaluated(db: Executor, env: EnvironmentRef, flagKey: string): Promise<number | undefined> {
    const row = await tables(db)
      .selectFrom('flag_last_evaluated')
      .select('at')
      .where('project_key', '=', env.projectKey)
      .where('env_key', '=', env.envKey)
      .where('flag_key', '=', flagKey)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.at);
  }

  /** When each flag of one environment was last evaluated (flags never evaluated are absent). */
  async lastEvaluatedIn(db: Executor, env: EnvironmentRef): Promise<Map<string, number>> {
    const rows = await tables(db)
      .selectFrom('flag_last_evaluated')
      .select(['flag_key', 'at'])
      .where('project_key', '=', env.projectKey)
      .where('env_key', '=', env.envKey)
      .execute();
    return new Map(rows.map((r) => [r.flag_key, Number(r.at)]));
  }

  /** Deletes hourly counts older than `beforeHour`; returns how many rows went. */
  async prune(db: Executor, beforeHour: number): Promise<number> {
    const result = await tables(db)
      .deleteFrom('flag_evaluations')
      .where('hour', '<', beforeHour)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
