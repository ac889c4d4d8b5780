/**
 * Loaded into the Switchboard process by the delivery bench with `--profile` (`--import`
 * after tsx): counts and times every SQL statement better-sqlite3 prepares and runs, and
 * records a V8 CPU profile of exactly the measured phase. SIGUSR2 starts a window (counters
 * reset, profiler on); the next SIGUSR2 ends it and writes `window-<n>.cpuprofile` and
 * `window-<n>.sql.json` into SWITCHBOARD_BENCH_PROBE_DIR. Nothing here is used in normal runs:
 * the wrappers cost time of their own.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface SqlStat {
  readonly sql: string;
  prepares: number;
  runs: number;
  prepareMs: number;
  runMs: number;
}

interface PreparedStatement {
  all(...args: unknown[]): unknown;
  run(...args: unknown[]): unknown;
  get(...args: unknown[]): unknown;
}

const outDir = process.env.SWITCHBOARD_BENCH_PROBE_DIR;
if (outDir === undefined) throw new Error('server-probe: SWITCHBOARD_BENCH_PROBE_DIR is not set');

let stats = new Map<string, SqlStat>();

/** One row per query shape: `in (?, ?, ?)` and multi-row VALUES collapse to one form. */
function shape(sql: string): string {
  return sql.replace(/\(\?(?:, \?)*\)(?:, \(\?(?:, \?)*\))*/g, '(?…)');
}

function statFor(sql: string): SqlStat {
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
const Database = require('better-sqlite3') as {
  prototype: { prepare(this: unknown, sql: string): PreparedStatement };
};
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function probedPrepare(sql: string): PreparedStatement {
  const started = performance.now();
  const statement = prepare.call(this, sql);
  const stat = statFor(sql);
  stat.prepares++;
  stat.prepareMs += performance.now() - started;
  for (const method of ['all', 'run', 'get'] as const) {
    const original = statement[method];
    statement[method] = (...args: unknown[]) => {
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
let window = 0;
let profiling = false;
let memoryAtStart: NodeJS.MemoryUsage | undefined;

process.on('SIGUSR2', () => {
  if (!profiling) {
    profiling = true;
    stats = new Map();
    memoryAtStart = process.memoryUsage();
    session.post('Profiler.enable', () => session.post('Profiler.start'));
    return;
  }
  profiling = false;
  window++;
  const sql = [...stats.values()].sort((a, b) => b.prepareMs + b.runMs - (a.prepareMs + a.runMs));
  session.post('Profiler.stop', (error, result) => {
    const base = join(outDir, `window-${window}`);
    writeFileSync(`${base}.sql.json`, JSON.stringify(sql));
    writeFileSync(
      `${base}.memory.json`,
      JSON.stringify({ start: memoryAtStart, end: process.memoryUsage() }),
    );
    // Written last and renamed into place: the bench waits for this file to appear.
    writeFileSync(`${base}.tmp`, error === null ? JSON.stringify(result.profile) : '{}');
    renameSync(`${base}.tmp`, `${base}.cpuprofile`);
  });
});
