import { type Kysely, sql } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { FinishedSend } from './delivery-queue.js';

/**
 * A send that went through and has nothing more to record than that: its row done, its attempt
 * and a success in the integration's health. Most sends are.
 */
export function isPlainSuccess({ attempt, update, health }: FinishedSend): boolean {
  return (
    update.status === 'done' &&
    attempt.outcome === 'delivered' &&
    (health === undefined || (health.success && health.erroredReason === undefined))
  );
}

/**
 * Records plain successes (`isPlainSuccess`) in one statement, whatever their number: on
 * PostgreSQL every statement is a round trip, and the general path (`SendFinisher`) takes
 * `begin`, three statements per send and `commit`. What it writes is the same: each row still
 * pending is marked done; an attempt is inserted for each row marked, and only for those (a row
 * whose integration was deleted meanwhile has nothing left to record); each integration's
 * success count grows by its rows marked, as `countSuccess` does one at a time. A single
 * statement is atomic on its own. Resolves with the number of rows marked done.
 */
export async function finishPlainSuccesses(
  db: Kysely<Database>,
  sends: readonly FinishedSend[],
): Promise<number> {
  const column = <T>(pick: (send: FinishedSend) => T) => sends.map(pick);
  const { rows } = await sql<{ marked: string }>`
    with v as (
      select * from unnest(
        ${column((s) => s.attempt.deliveryId)}::bigint[],
        ${column((s) => s.attempt.attempt)}::integer[],
        ${column((s) => s.attempt.at)}::bigint[],
        ${column((s) => s.attempt.statusCode ?? null)}::integer[],
        ${column((s) => Math.round(s.attempt.latencyMs))}::integer[],
        ${column((s) => s.attempt.responseExcerpt ?? null)}::text[],
        ${column((s) => s.health !== undefined)}::boolean[]
      ) as v(id, attempt, at, status_code, latency_ms, response_excerpt, counted)
    ), done as (
      update deliveries as d
      set status = 'done', attempts = v.attempt, locked_by = null, locked_at = null,
        last_error = null, finished_at = v.at
      from v where d.id = v.id and d.status = 'pending'
      returning d.id, d.integration_id
    ), attempts as (
      insert into delivery_attempts (delivery_id, attempt, at, outcome, status_code, latency_ms,
        error_class, response_excerpt)
      select v.id, v.attempt, v.at, 'delivered', v.status_code, v.latency_ms, null, v.response_excerpt
      from v join done on done.id = v.id
      order by v.id
    ), health as (
      insert into integration_status as s (integration_id, success_count, last_success)
      select done.integration_id, count(*), max(v.at)
      from v join done on done.id = v.id
      where v.counted
      group by done.integration_id
      on conflict (integration_id) do update set
        success_count = s.success_count + excluded.success_count,
        last_success = excluded.last_success, consecutive_failures = 0, failing_since = null,
        errored_reason = null
    )
    select count(*) as marked from done`.execute(db);
  return Number(rows[0]?.marked ?? 0);
}
