/**
 * Loaded into the Switchboard process by the delivery bench with `--profile` (`--import`):
 * counts and times every SQL statement better-sqlite3 prepares and runs, and records a V8 CPU
 * profile of exactly the measured phase. SIGUSR2 starts a window (counters reset, profiler on);
 * the next SIGUSR2 ends it and writes `window-<n>.cpuprofile`, `window-<n>.sql.json` and
 * `window-<n>.memory.json` into SWITCHBOARD_BENCH_PROBE_DIR. Nothing here is used in normal
 * runs: the wrappers cost time of their own.
 *
 * Worker threads inherit `--import`, so the delivery thread (SQLite) loads this too. It is
 * plain JavaScript for that reason: Node 20 does not apply tsx's hooks to a worker's
 * `--import`. A thread follows the main thread's windows over a BroadcastChannel and writes
 * `window-<n>.thread.cpuprofile` and `window-<n>.thread.sql.json`; the main thread waits for
 * them before its own profile appears, which is what the bench waits for.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BroadcastChannel, isMainThread } from 'node:worker_threads';

const outDir = process.env.SWITCHBOARD_BENCH_PROBE_DIR;
if (outDir === undefined) throw new Error('server-probe: SWITCHBOARD_BENCH_PROBE_DIR is not set');

/** @type {Map<string, {sql: string, prepares: number, runs: number, prepareMs: number, runMs: number}>} */
let stats = new Map();

/** One row per query shape: `in (?, ?, ?)` and multi-row VALUES collapse to one form. */
function shape(sql) {
  return sql.replace(/\(\?(?:, \?)*\)(?:, \(\?(?:, \?)*\))*/g, '(?…)');
}

function statFor(sql) {
  const key = shape(sql);
  let stat = stats.get(key);
  if (stat === undefined) {
    stat = { sql: key, prepares: 0, runs: 0, prepareMs: 0, runMs: 0 };
    stats.set(key, stat);
  }
  return stat;
}

// The server's own copy of better-sqlite3 (CommonJS, so this is the same module object).
const require = createRequire(join(process.cwd(), 'package.json'));
const Database = require('better-sqlite3');
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function probedPrepare(sql) {
  const started = performance.now();
  const statement = prepare.call(this, sql);
  const stat = statFor(sql);
  stat.prepares++;
  stat.prepareMs += performance.now() - started;
  for (const method of ['all', 'run', 'get']) {
    const original = statement[method];
    statement[method] = (...args) => {
      const began = performance.now();
      try {
        return original.apply(statement, args);
      } finally {
        // Looked up on each run: the server keeps prepared statements across windows, and a
        // window starts with fresh counters.
        const current = statFor(sql);
        current.runs++;
        current.runMs += performance.now() - began;
      }
    };
  }
  return statement;
};

const session = new Session();
session.connect();
const channel = new BroadcastChannel('switchboard-bench-probe');
channel.unref();

function startWindow() {
  stats = new Map();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
}

/** Ends the window: writes its SQL counts, then (`then`) its profile. */
function endWindow(base, then) {
  const sql = [...stats.values()].sort((a, b) => b.prepareMs + b.runMs - (a.prepareMs + a.runMs));
  writeFileSync(`${base}.sql.json`, JSON.stringify(sql));
  session.post('Profiler.stop', (error, result) =>
    then(error === null ? JSON.stringify(result.profile) : '{}'),
  );
}

if (isMainThread) {
  let window = 0;
  let profiling = false;
  let threads = 0;
  /** Threads still writing the window that ended, and what to do once none is. */
  let pending = 0;
  let whenWritten = () => {};
  let memoryAtStart;
  channel.onmessage = ({ data }) => {
    if (data.hello) threads++;
    else if (data.written && --pending === 0) whenWritten();
  };
  process.on('SIGUSR2', () => {
    if (!profiling) {
      profiling = true;
      memoryAtStart = process.memoryUsage();
      channel.postMessage({ start: true });
      startWindow();
      return;
    }
    profiling = false;
    window++;
    const base = join(outDir, `window-${window}`);
    pending = threads;
    channel.postMessage({ stop: `${base}.thread` });
    endWindow(base, (profile) => {
      writeFileSync(
        `${base}.memory.json`,
        JSON.stringify({ start: memoryAtStart, end: process.memoryUsage() }),
      );
      writeFileSync(`${base}.tmp`, profile);
      // Renamed into place last, once every thread has written: the bench waits for this file.
      whenWritten = () => renameSync(`${base}.tmp`, `${base}.cpuprofile`);
      if (pending === 0) whenWritten();
    });
  });
} else {
  channel.onmessage = ({ data }) => {
    if (data.start) startWindow();
    else if (data.stop !== undefined)
      endWindow(data.stop, (profile) => {
        writeFileSync(`${data.stop}.cpuprofile`, profile);
        channel.postMessage({ written: true });
      });
  };
  channel.postMessage({ hello: true });
}
