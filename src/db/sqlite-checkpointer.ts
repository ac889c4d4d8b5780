import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Copies the SQLite write-ahead log back into the database file on a thread of its own.
 *
 * By default the connection that commits the 1,000th page of WAL does the checkpoint, fsyncs
 * included, on the event loop: in bench/delivery that was about a fifth of the server's time
 * with 100 rooms. Here the main connection only checkpoints as a backstop (when the WAL has
 * grown far past what this thread should ever let it reach), and a second connection on a
 * worker thread runs `wal_checkpoint(PASSIVE)` every `intervalMs`. A passive checkpoint never
 * waits for or blocks a writer; what it cannot copy yet, the next round copies.
 */
export class SqliteCheckpointer {
  private constructor(private readonly worker: Worker) {}

  /** Pages of WAL after which the main connection checkpoints itself, should this thread stall. */
  static readonly backstopPages = 16_000;

  static start(file: string, intervalMs = 100): SqliteCheckpointer {
    const worker = new Worker(threadSource, {
      eval: true,
      // The thread is plain JavaScript: it needs neither tsx (when the server runs through it)
      // nor any other loader of the main thread.
      execArgv: [],
      workerData: { file, intervalMs, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    // A checkpoint that fails is retried next round; a thread that dies leaves the backstop.
    worker.on('error', () => undefined);
    worker.unref();
    return new SqliteCheckpointer(worker);
  }

  /** Closes the thread's connection, so the main one is the last and tidies the WAL on close. */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    const timer = setTimeout(() => void this.worker.terminate(), 2_000);
    await exited;
    clearTimeout(timer);
  }
}

const threadSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or briefly locked: the next round tries again.
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
