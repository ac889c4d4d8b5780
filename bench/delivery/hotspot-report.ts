import { readFileSync } from 'node:fs';
import { type Hotspot, summariseCpuProfile } from './cpu-profile-summary.js';

/** One query shape as `server-probe.mjs` counts it. */
interface SqlStat {
  readonly sql: string;
  readonly prepares: number;
  readonly runs: number;
  readonly prepareMs: number;
  readonly runMs: number;
}

export interface HotspotInput {
  readonly title: string;
  readonly cpuProfile: string;
  readonly sql: string;
  /** `process.memoryUsage()` of the server at the start and the end of the window. */
  readonly memory: string;
  /** Wall time of the window, to set CPU against. */
  readonly windowMs: number;
  readonly toggles: number;
  readonly deliveries: number;
  /** The delivery thread's profile and SQL counts (SQLite), when the server runs one. */
  readonly thread?: { readonly cpuProfile: string; readonly sql: string } | undefined;
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

function list(title: string, rows: readonly Hotspot[]): string[] {
  return [`${title}:`, ...rows.map((row) => `  ${pct(row.share).padStart(7)}  ${row.name}`)];
}

/** The profile and SQL counts of one window, as plain text for the console. */
export function formatHotspots(input: HotspotInput): string {
  const memory = JSON.parse(readFileSync(input.memory, 'utf8')) as Record<
    'start' | 'end',
    NodeJS.MemoryUsage
  >;
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  const memoryLine = (label: string, m: NodeJS.MemoryUsage) =>
    `${label} rss ${mb(m.rss)}, V8 heap ${mb(m.heapUsed)} used of ${mb(m.heapTotal)}, external ${mb(m.external)}`;
  return [
    `### ${input.title}`,
    `window ${(input.windowMs / 1000).toFixed(1)} s; ${input.toggles} toggles, ${input.deliveries} deliveries`,
    `memory: ${memoryLine('start', memory.start)}; ${memoryLine('end', memory.end)}`,
    ...threadLines('main thread', input.cpuProfile, input.sql, input),
    ...(input.thread === undefined
      ? []
      : ['', ...threadLines('delivery thread', input.thread.cpuProfile, input.thread.sql, input)]),
  ].join('\n');
}

/** One thread's busy time, hotspots and SQL. */
function threadLines(name: string, cpuProfile: string, sqlFile: string, input: HotspotInput): string[] {
  const profile = summariseCpuProfile(cpuProfile, 15);
  const sql = JSON.parse(readFileSync(sqlFile, 'utf8')) as SqlStat[];
  const prepareMs = sql.reduce((sum, s) => sum + s.prepareMs, 0);
  const runMs = sql.reduce((sum, s) => sum + s.runMs, 0);
  const statements = sql.reduce((sum, s) => sum + s.runs, 0);
  const prepared = sql.reduce((sum, s) => sum + s.prepares, 0);
  const perEvent = (n: number) =>
    `${(n / Math.max(1, input.toggles)).toFixed(1)}/toggle` +
    (input.deliveries > 0 ? `, ${(n / input.deliveries).toFixed(2)}/delivery` : '');
  return [
    `#### ${name}: busy (sampled, not idle) ${(profile.busyMs / 1000).toFixed(1)} s = ${pct(profile.busyMs / input.windowMs)} of one core`,
    `SQLite: ${statements} statements (${perEvent(statements)}), ${prepared} prepared in the window: ` +
      `prepare ${(prepareMs / 1000).toFixed(2)} s + run ${(runMs / 1000).toFixed(2)} s ` +
      `= ${pct((prepareMs + runMs) / profile.busyMs)} of busy time`,
    ...list('self time by module', profile.selfByModule.slice(0, 10)),
    ...list('self time by function', profile.selfByFunction.slice(0, 12)),
    ...list(
      'inclusive time of src/ functions (synchronous stacks only: time after an await is not counted)',
      profile.inclusiveOwn.slice(0, 12),
    ),
    'SQL by total time (runs per toggle / per delivery, prepare ms, run ms):',
    ...sql
      .slice(0, 14)
      .map(
        (s) =>
          `  ${(s.prepareMs + s.runMs).toFixed(0).padStart(6)} ms  ${s.runs} (${perEvent(s.runs)})  ` +
          `prep ${s.prepareMs.toFixed(0)} run ${s.runMs.toFixed(0)}  ${s.sql.length > 150 ? `${s.sql.slice(0, 150)}…` : s.sql}`,
      ),
  ];
}
