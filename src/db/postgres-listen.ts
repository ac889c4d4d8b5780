import type pg from 'pg';

export interface ListenOptions {
  /**
   * Only notifications that other processes sent: those sent through this handle's own pool
   * are not passed on, for a listener that heard of its own process's changes in memory already.
   */
  readonly othersOnly?: boolean;
}

/** The default `SWITCHBOARD_LISTEN_CHECK`: how often a LISTEN connection must answer a check. */
export const defaultListenCheckMs = 5_000;

export interface PostgresListenParts {
  readonly Client: typeof pg.Client;
  readonly url: string;
  /** Every `checkMs` the connection must answer a check within `checkMs`, or it is lost. */
  readonly checkMs: number;
  /** The server processes of this handle's pool: a notification names the one that sent it. */
  readonly ownBackends: ReadonlySet<number>;
  /** The listening connections open now, closed with the handle. */
  readonly open: Set<{ close(): Promise<void> }>;
  /** Connections lost while listening, by channel (for /metrics). */
  readonly lost: Map<string, number>;
}

/**
 * LISTEN on a connection of its own (LISTEN belongs to a session, not to a pooled connection).
 * Resolves once listening, with the function that stops; `onLost` is called once, with what
 * happened, if the connection is lost while listening: notifications may have been missed from
 * then on. Lost are a connection that breaks (a restart, a terminated backend) and one that
 * stops answering without closing (a server or network gone silent, which TCP reports only
 * after many minutes): the check notices the second within two `checkMs`.
 */
export async function listenOnPostgres(
  parts: PostgresListenParts,
  channel: string,
  onNotice: (payload: string) => void,
  onLost: ((cause: Error) => void) | undefined,
  options: ListenOptions,
): Promise<() => Promise<void>> {
  const client = new parts.Client({ connectionString: parts.url });
  // `end()` waits for the server to close its side, which a silent one never does.
  const destroy = () =>
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  let listening = false;
  let ended = false;
  let check: NodeJS.Timeout | undefined;
  const handle = {
    /** Ends the connection; one that does not end within `checkMs` is destroyed. */
    async close() {
      end();
      let silent: NodeJS.Timeout | undefined;
      const destroyed = new Promise<void>((resolve) => {
        silent = setTimeout(() => {
          destroy();
          resolve();
        }, parts.checkMs);
      });
      await Promise.race([client.end().catch(() => undefined), destroyed]);
      clearTimeout(silent);
    },
  };
  function end(): void {
    ended = true;
    clearInterval(check);
    parts.open.delete(handle);
  }
  const lost = (cause: Error) => {
    if (ended) return;
    end();
    if (!listening) return;
    parts.lost.set(channel, (parts.lost.get(channel) ?? 0) + 1);
    onLost?.(cause);
  };
  // A dropped listener connection must not crash the process; the caller listens again.
  client.on('error', (error) => lost(new Error(`the listening connection broke: ${error.message}`)));
  client.on('end', () => lost(new Error('the listening connection broke')));
  client.on('notification', (message) => {
    if (message.channel !== channel) return;
    if (options.othersOnly === true && parts.ownBackends.has(message.processId)) return;
    onNotice(message.payload ?? '');
  });
  // Also the check: listening again to a channel is a no-op, and pg_stat_activity goes on
  // showing what the connection is for.
  const listen = `LISTEN ${client.escapeIdentifier(channel)}`;
  try {
    await client.connect();
    await client.query(listen);
  } catch (error) {
    await handle.close();
    throw error;
  }
  if (ended) throw new Error('the listening connection broke while it was opened');
  listening = true;
  parts.open.add(handle);
  let checking = false;
  check = setInterval(() => {
    if (checking || ended) return;
    checking = true;
    const silent = setTimeout(() => {
      lost(new Error(`the listening connection stopped answering (no answer within ${parts.checkMs} ms)`));
      destroy();
    }, parts.checkMs);
    client
      .query(listen)
      .catch(() => undefined) // a broken connection reports itself through 'error' or 'end'
      .finally(() => {
        clearTimeout(silent);
        checking = false;
      });
  }, parts.checkMs);
  check.unref();
  return () => handle.close();
}
