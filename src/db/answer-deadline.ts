import { DatabaseUnavailableError } from '../errors/app-errors.js';

type Query = (text: unknown, values?: unknown, callback?: unknown) => unknown;

/** What of a pooled node-pg client the deadline needs. */
interface DeadlineClient {
  query: Query;
  /** pg-pool's, set anew at each checkout: given an error (or true), the pool drops the client. */
  release?: (error?: Error | boolean) => void;
  readonly connection: { readonly stream: { destroy(): void } };
}

/**
 * Closes a pooled PostgreSQL connection whose server has not answered a statement within
 * `answerMs`, and fails that statement with `DatabaseUnavailableError` (503 for a request).
 *
 * A server that goes silent without closing the connection (a frozen host, a failover that
 * left the old primary's address dead, a network that drops packets) would otherwise hold the
 * statement until TCP gives up, about 15 minutes on Linux with data in flight; meanwhile each
 * request that reached such a connection waited, and the pool's connections ran out one by one.
 * Once closed, the connection fails every later statement at once (the rollback a transaction
 * sends after its failure included), and its release drops it from the pool, which opens a new
 * one when needed.
 *
 * Every statement the pool runs is bounded so, the longest included: lock waits count.
 * Migrations run on a connection of their own without it (`DatabaseHandle.migrate`).
 */
export function answerDeadline(client: DeadlineClient, answerMs: number): void {
  const query = client.query.bind(client) as Query;
  let lost: DatabaseUnavailableError | undefined;
  client.query = (text, values, callback) => {
    // The callback form is node-pg's own (pool.query), not Kysely's.
    if (typeof values === 'function' || callback !== undefined) return query(text, values, callback);
    if (lost !== undefined) return Promise.reject(lost);
    const sent = query(text, values);
    // A Submittable (a cursor) is returned as it is: it is read on its own terms.
    if (!(sent instanceof Promise)) return sent;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        lost = new DatabaseUnavailableError(
          `PostgreSQL did not answer within ${answerMs / 1000} s, so its connection was closed; ` +
            'try again (a change sent may still have been made)',
        );
        const error = lost;
        const release = client.release;
        // Released before the closed socket is noticed, it would go back to the pool as idle
        // (Kysely releases with `false`).
        if (release !== undefined) client.release = (given) => release.call(client, given || error);
        reject(error);
        client.connection.stream.destroy();
      }, answerMs);
      sent.then(
        (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  };
}
