import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { WriteTurns } from './db/sqlite-begin.js';

/** Tests shorten the HTTP timeouts of deliveries. */
export interface DeliveryTimeouts {
  readonly connectMs: number;
  readonly totalMs: number;
}

/** What the delivery thread is started with (structured-cloned: plain data only). */
export interface DeliveryThreadData {
  readonly config: Config;
  readonly baseUrl: string;
  readonly logLevel: string;
  readonly timeouts: DeliveryTimeouts | undefined;
  readonly pollMs: number | undefined;
  /** The API connection's `DatabaseHandle.writeTurns`, shared with the thread's connection. */
  readonly writeTurns: SharedArrayBuffer | undefined;
}

/** From the API's thread to the delivery thread. */
export type ToDeliveryThread =
  | { readonly kind: 'wake'; readonly integrationIds?: readonly string[] }
  | { readonly kind: 'forget'; readonly integrationId: string }
  | { readonly kind: 'baseUrl'; readonly url: string }
  | { readonly kind: 'stop' };

/** From the delivery thread back. */
export type FromDeliveryThread =
  | { readonly kind: 'started'; readonly threadId: number }
  | { readonly kind: 'failed'; readonly message: string };

/** How long after an unexpected exit the thread is started again. */
const restartDelayMs = 1_000;
/** A stop that has not ended by then (a send past every timeout) ends the thread outright. */
const stopTimeoutMs = 30_000;

/**
 * The delivery worker in a thread of its own, with its own connection to the SQLite file
 * (`capabilities.deliveryThread`): its sends, each waiting for the answer to the one before
 * (per-room order), no longer wait for the API's event loop between them, and its CPU is the
 * second core's. The API's thread talks to it in messages: wake-ups after commits (with the
 * integrations they queued for), integrations changed here, the base URL once it is known.
 *
 * Everything the worker keeps is in the database (leases, records, health), so a thread that
 * dies is only started again: its leases are taken back at its start, as after a crash.
 */
export class DeliveryThread {
  private thread: Worker | undefined;
  private running = false;
  private stopped: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private baseUrl: string;
  private readonly turns: WriteTurns | undefined;
  /** The running thread's id (`worker_threads.threadId` inside it); undefined until started. */
  threadId: number | undefined;

  constructor(
    private readonly data: DeliveryThreadData,
    private readonly log: Logger,
  ) {
    this.baseUrl = data.baseUrl;
    this.turns = data.writeTurns && new WriteTurns(data.writeTurns);
  }

  /** Resolves once the thread's worker has taken back stale leases and started claiming. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.spawn();
    } catch (error) {
      this.running = false; // a thread that cannot start is not started again and again
      clearTimeout(this.restartTimer);
      throw error;
    }
  }

  wake(integrationIds?: ReadonlySet<string>): void {
    this.post(
      integrationIds === undefined ? { kind: 'wake' } : { kind: 'wake', integrationIds: [...integrationIds] },
    );
  }

  /** The thread reads the entries it sends: handing each over would cost this thread a copy. */
  prime(): void {}

  forgetIntegration(integrationId: string): void {
    this.post({ kind: 'forget', integrationId });
  }

  /** Links in notifications follow the port the API bound (see `Switchboard.listening`). */
  setBaseUrl(url: string): void {
    this.baseUrl = url;
    this.post({ kind: 'baseUrl', url });
  }

  /** Stops claiming and lets the thread's sends finish (bounded by the HTTP timeouts). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.restartTimer);
    const thread = this.thread;
    if (thread === undefined) return;
    thread.postMessage({ kind: 'stop' } satisfies ToDeliveryThread);
    const force = setTimeout(() => void thread.terminate(), stopTimeoutMs);
    await this.stopped;
    clearTimeout(force);
  }

  /**
   * Ends the thread at once, its sends cut off, as a crash in it would: it is started again
   * after `restartDelayMs`, and its rows' leases are taken back then.
   */
  async terminate(): Promise<void> {
    await this.thread?.terminate();
  }

  private post(message: ToDeliveryThread): void {
    this.thread?.postMessage(message);
  }

  private spawn(): Promise<void> {
    const thread = startThread({ ...this.data, baseUrl: this.baseUrl });
    const id = thread.threadId;
    this.thread = thread;
    let started: (error?: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      started = (error) => (error === undefined ? resolve() : reject(error));
    });
    thread.on('message', (message: FromDeliveryThread) => {
      if (message.kind === 'started') {
        this.threadId = message.threadId;
        started();
      } else if (message.kind === 'failed') started(new Error(`delivery thread: ${message.message}`));
    });
    thread.on('error', (error) => {
      this.log.error({ err: error }, 'the delivery thread failed');
      started(error);
    });
    this.stopped = new Promise<void>((resolve) => {
      thread.on('exit', (code) => {
        if (this.thread === thread) this.thread = undefined;
        // Cut off inside a transaction, it gives back the write turn it held (its lock went with it).
        this.turns?.forsake(id);
        this.threadId = undefined;
        started(new Error(`delivery thread exited with code ${code} before it started`));
        resolve();
        if (!this.running) return;
        this.log.error({ code }, 'the delivery thread stopped unexpectedly; starting it again');
        this.restartTimer = setTimeout(() => {
          if (this.running)
            this.spawn().catch((error: unknown) =>
              this.log.error({ err: error }, 'restarting the delivery thread failed'),
            );
        }, restartDelayMs);
      });
    });
    return ready;
  }
}

/**
 * The compiled entry (`dist/src/delivery-thread-main.js`); from the TypeScript sources (tests,
 * `tsx`), through tsx's loader registered inside the thread first.
 */
function startThread(data: DeliveryThreadData): Worker {
  const entry = new URL(
    `./delivery-thread-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
    import.meta.url,
  );
  if (entry.pathname.endsWith('.js')) return new Worker(entry, { workerData: data });
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { eval: true, workerData: data });
}
