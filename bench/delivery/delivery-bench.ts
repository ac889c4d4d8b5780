import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FakeHipChat } from '../../test/helpers/fake-hipchat.js';
import { median } from '../measure.js';
import {
  FLAGS,
  LATENCY_DRAIN_MS,
  type LatencyResult,
  measureLatency,
  measureThroughput,
  ms,
  PROJECT,
  type Size,
  setUpIntegrations,
  startBenchFake,
  THROUGHPUT_DRAIN_MS,
  type ThroughputResult,
  TOKEN,
  warmUp,
  whole,
} from './delivery-phases.js';
import { formatHotspots } from './hotspot-report.js';
import { LoadClient } from './load-client.js';
import { NotificationTracker } from './notification-tracker.js';
import { benchFakeHipChatEnv, compileServer, SwitchboardProcess } from './switchboard-process.js';

/**
 * Flag toggles through the HTTP API of a real Switchboard process (fresh SQLite file per size)
 * with 1, 10 and 100 HipChat integrations on the fake HipChat (limits off), all on 127.0.0.1.
 * See bench/README.md for what each figure means.
 */

// Counts shrink as N grows so that every size delivers a bounded number of notifications and
// the whole run stays within about five minutes on two shared cores.
const SIZES: readonly Size[] = [
  { integrations: 1, toggles: 3_000, repetitions: 3, pacedPerSecond: 200 },
  { integrations: 10, toggles: 1_000, repetitions: 3, pacedPerSecond: 200 },
  // 200 toggles/s would offer 20,000 notifications/s, four times the target for 100 rooms:
  // the queue could only grow. 20 toggles/s offers 2,000/s, as the 10-room phase does.
  { integrations: 100, toggles: 300, repetitions: 1, pacedPerSecond: 20 },
];
const RSS_SAMPLE_MS = 100;

const TARGETS = {
  togglesPerSecond: 2_000,
  notificationsPerSecond: 5_000,
  p99Ms: 50,
  peakRssBytes: 250 * 1024 * 1024,
};

export interface DeliveryBenchOptions {
  /** Which sizes to run (numbers of integrations); all by default. */
  readonly integrations?: readonly number[];
  /**
   * Loads `server-probe.mjs` into the server and prints where its time goes during the first
   * throughput repetition of each size. The probe costs time itself: its figures are not
   * comparable with a normal run, so only one repetition runs and the latency phase is skipped.
   */
  readonly profile?: boolean;
  /** Run `dist/src/main.js` (compiled first), as `npm start` does; false runs `src/main.ts` through tsx. */
  readonly built?: boolean;
}

interface SizeResult {
  readonly size: Size;
  readonly throughput: readonly ThroughputResult[];
  readonly latency: LatencyResult | undefined;
  readonly peakRssBytes: number;
  /** Highest sampled RSS in each phase. */
  readonly rssByPhase: ReadonlyMap<string, number>;
  readonly logBytes: number;
}

interface Row {
  readonly benchmark: string;
  readonly result: string;
  readonly target: string;
  readonly met: string;
}

function serverEnv(dir: string, fake: FakeHipChat, extra: Record<string, string> = {}) {
  return {
    SWITCHBOARD_DATABASE_URL: `sqlite:${join(dir, 'sb.db')}`,
    SWITCHBOARD_ADMIN_TOKEN: TOKEN,
    ...benchFakeHipChatEnv(fake.url),
    ...extra,
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const verdict = (ok: boolean) => (ok ? '✔' : '✘');
/** One Switchboard process with `size.integrations` integrations, measured through and through. */
class SizeRun {
  private constructor(
    private readonly server: SwitchboardProcess,
    private readonly client: LoadClient,
    private readonly tracker: NotificationTracker,
    private readonly dir: string,
  ) {}

  static async start(
    fake: FakeHipChat,
    tracker: NotificationTracker,
    integrations: number,
    options: {
      entry: 'tsx' | 'built';
      probeDir?: string | undefined;
      env?: Record<string, string>;
      delivering?: boolean;
    },
  ): Promise<SizeRun> {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
    let server: SwitchboardProcess;
    try {
      server = await SwitchboardProcess.start({
        env: serverEnv(dir, fake, options.env),
        entry: options.entry,
        probeDir: options.probeDir,
      });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const client = new LoadClient(server.baseUrl, TOKEN, PROJECT, FLAGS);
    const run = new SizeRun(server, client, tracker, dir);
    try {
      await setUpIntegrations(client, tracker, integrations, options.delivering !== false);
    } catch (error) {
      await run.stop();
      throw error;
    }
    return run;
  }

  get process(): SwitchboardProcess {
    return this.server;
  }

  throughput(size: Size, repetition: number, drainMs: number): Promise<ThroughputResult> {
    return measureThroughput(this.client, this.tracker, () => this.server.cpuMs(), size, repetition, drainMs);
  }

  warmUp(size: Size, delivering: boolean): Promise<void> {
    return warmUp(this.client, this.tracker, size, delivering);
  }

  latency(size: Size): Promise<LatencyResult> {
    return measureLatency(this.client, this.tracker, () => this.server.cpuMs(), size);
  }

  async stop(): Promise<void> {
    await this.client.close();
    await this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Samples the server's RSS to tell which phase its peak came from; VmHWM (read at the end)
 * is the peak itself, start-up included.
 */
class RssSampler {
  /** Highest sampled RSS per phase, in bytes. */
  readonly peaks = new Map<string, number>();
  private phase = 'set-up';
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly server: SwitchboardProcess) {
    this.timer = setInterval(() => this.sample(), RSS_SAMPLE_MS);
  }

  enter(phase: string): void {
    this.sample();
    this.phase = phase;
  }

  /** Stops sampling; returns VmHWM. */
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.server.memory()?.peak ?? 0;
  }

  private sample(): void {
    const rss = this.server.memory()?.rss ?? 0;
    this.peaks.set(this.phase, Math.max(this.peaks.get(this.phase) ?? 0, rss));
  }
}

/** What every server of one bench run shares. */
interface BenchContext {
  readonly fake: FakeHipChat;
  readonly tracker: NotificationTracker;
  readonly entry: 'tsx' | 'built';
  /** Set when profiling: each profiled server gets a directory here. */
  readonly probeRoot: string | undefined;
}

async function startRun(
  context: BenchContext,
  integrations: number,
  probeName: string,
  env: Record<string, string> = {},
): Promise<SizeRun> {
  const { probeRoot } = context;
  return SizeRun.start(context.fake, context.tracker, integrations, {
    entry: context.entry,
    env,
    delivering: env.SWITCHBOARD_ROLE !== 'api',
    probeDir: probeRoot === undefined ? undefined : mkdtempSync(join(probeRoot, `${probeName}-`)),
  });
}

/** One throughput repetition; when profiling, inside a window whose hotspots are printed. */
async function throughputRepetition(
  context: BenchContext,
  run: SizeRun,
  size: Size,
  repetition: number,
  drainMs: number,
  title: string,
): Promise<ThroughputResult> {
  if (context.probeRoot === undefined) return run.throughput(size, repetition, drainMs);
  run.process.startProfile();
  const started = performance.now();
  const result = await run.throughput(size, repetition, drainMs);
  const files = await run.process.stopProfile();
  const report = formatHotspots({
    title,
    ...files,
    windowMs: performance.now() - started,
    toggles: size.toggles,
    deliveries: result.delivered,
  });
  console.log(`\n${report}\n(profile: ${files.cpuProfile}; Chrome DevTools → Performance opens it)`);
  return result;
}

async function measureSize(context: BenchContext, size: Size): Promise<SizeResult> {
  const profiling = context.probeRoot !== undefined;
  const run = await startRun(context, size.integrations, `n${size.integrations}`);
  const rss = new RssSampler(run.process);
  try {
    const throughput: ThroughputResult[] = [];
    rss.enter('warm-up');
    await run.warmUp(size, true);
    for (let r = 0; r < (profiling ? 1 : size.repetitions); r++) {
      rss.enter('throughput');
      const title = `${size.integrations} integration(s): ${size.toggles} toggles at saturation and their delivery`;
      const result = await throughputRepetition(context, run, size, r, THROUGHPUT_DRAIN_MS, title);
      throughput.push(result);
      if (result.delivered < result.expected) break; // the queue is not empty: later phases would measure it
    }
    const drained = throughput.every((t) => t.delivered >= t.expected);
    rss.enter('latency');
    const latency = !profiling && drained ? await run.latency(size) : undefined;
    const peakRssBytes = rss.stop();
    return { size, throughput, latency, peakRssBytes, rssByPhase: rss.peaks, logBytes: run.process.logBytes };
  } finally {
    rss.stop();
    await run.stop();
  }
}

/**
 * The API path alone: toggles/s with SWITCHBOARD_ROLE=api (no delivery worker in the process;
 * the outbox rows are still written), with request logging off and on. The two servers run
 * side by side and their repetitions alternate, so both see the same background load. Only
 * toggles are timed; nothing is delivered.
 */
async function apiOnlyRows(context: BenchContext, profiling: boolean): Promise<Row[]> {
  const size: Size = { integrations: 1, toggles: 3_000, repetitions: profiling ? 1 : 3, pacedPerSecond: 0 };
  const settings: readonly [string, Record<string, string>][] = profiling
    ? [['LOG_LEVEL=warn', { SWITCHBOARD_ROLE: 'api' }]]
    : [
        ['LOG_LEVEL=warn', { SWITCHBOARD_ROLE: 'api' }],
        ['LOG_LEVEL=info (two log lines per request)', { SWITCHBOARD_ROLE: 'api', LOG_LEVEL: 'info' }],
      ];
  const runs: SizeRun[] = [];
  try {
    for (const [, env] of settings) runs.push(await startRun(context, size.integrations, 'api-only', env));
    for (const run of runs) await run.warmUp(size, false);
    const rates: number[][] = settings.map(() => []);
    for (let r = 0; r < size.repetitions; r++) {
      for (const [i, run] of runs.entries()) {
        const title = `API alone: ${size.toggles} toggles at saturation, SWITCHBOARD_ROLE=api ${settings[i]?.[0]}`;
        const result = await throughputRepetition(context, run, size, r, 0, title);
        rates[i]?.push(result.togglesPerSecond);
      }
    }
    return settings.map(([setting], i) => {
      const values = rates[i] ?? [];
      return {
        benchmark: `API alone (SWITCHBOARD_ROLE=api, 1 integration), ${setting}: toggles/s${profiling ? ' (profiled)' : ''}`,
        result: `${whole(median(values))}${values.length > 1 ? ` (median of ${values.length}: ${values.map(whole).join(', ')})` : ''}`,
        target: '',
        met: '',
      };
    });
  } finally {
    for (const run of runs) await run.stop();
  }
}

/** The table rows of one size; under the probe the figures are shown but not judged. */
function sizeRows(result: SizeResult, profiling: boolean): Row[] {
  const { size, throughput, latency } = result;
  const n = size.integrations;
  const label = `${n} integration${n === 1 ? '' : 's'}${profiling ? ' (profiled)' : ''}`;
  const toggles = throughput.map((t) => t.togglesPerSecond);
  const notifications = throughput.map((t) => t.notificationsPerSecond);
  const samples = (values: readonly number[]) =>
    values.length > 1 ? ` (median of ${values.length}: ${values.map(whole).join(', ')})` : '';
  const incomplete = throughput.find((t) => t.delivered < t.expected);
  const failed = throughput.reduce((sum, t) => sum + t.failedToggles, 0);
  const duplicates = throughput.reduce((sum, t) => sum + t.duplicates, 0);
  const rows: Row[] = [];
  const toggleRate = median(toggles);
  rows.push({
    benchmark: `${label}: toggles/s (${FLAGS.length} in flight, ${whole(size.toggles)} toggles)`,
    result: `${whole(toggleRate)}${samples(toggles)}${failed > 0 ? `, ${failed} not 200` : ''}`,
    target: n === 1 ? `≥ ${whole(TARGETS.togglesPerSecond)}` : '',
    met: n === 1 ? verdict(toggleRate >= TARGETS.togglesPerSecond) : '',
  });
  const notificationRate = median(notifications);
  const notificationTarget = n === 100;
  rows.push({
    benchmark: `${label}: notifications/s (${whole(size.toggles * n)} per repetition)`,
    result:
      `${whole(notificationRate)}${samples(notifications)}` +
      (incomplete === undefined
        ? ''
        : `, only ${whole(incomplete.delivered)} of ${whole(incomplete.expected)} within ${THROUGHPUT_DRAIN_MS / 1000} s`) +
      (duplicates > 0 ? `, ${duplicates} duplicates` : ''),
    target: notificationTarget ? `≥ ${whole(TARGETS.notificationsPerSecond)}` : '',
    met: notificationTarget
      ? verdict(incomplete === undefined && notificationRate >= TARGETS.notificationsPerSecond)
      : '',
  });
  const drains = throughput.map((t) => t.drainPerSecond).filter((rate) => Number.isFinite(rate));
  if (drains.length > 0) {
    rows.push({
      benchmark: `${label}: notifications/s after the last toggle (the worker alone)`,
      result: `${whole(median(drains))}${samples(drains)}`,
      target: '',
      met: '',
    });
  }
  const latencyTarget = size.pacedPerSecond === 200;
  if (latency === undefined) {
    rows.push({
      benchmark: `${label}: change → delivery p50 / p99`,
      result: profiling ? 'not measured while profiling' : 'not measured (queue not drained)',
      target: latencyTarget ? `p99 ≤ ${TARGETS.p99Ms} ms` : '',
      met: latencyTarget ? verdict(false) : '',
    });
  } else {
    const missing = latency.expected - latency.delivered;
    rows.push({
      benchmark: `${label}: change → delivery p50 / p99 at ${latency.offeredPerSecond} toggles/s (${whole(latency.expected)} notifications)`,
      result:
        `${ms(latency.p50Ms, LATENCY_DRAIN_MS)} / ${ms(latency.p99Ms, LATENCY_DRAIN_MS)}` +
        (missing > 0
          ? `, ${whole(missing)} not delivered ${LATENCY_DRAIN_MS / 1000} s after the last toggle`
          : '') +
        (latency.late > 0 ? `, ${whole(latency.late)} toggles sent late` : '') +
        (latency.failedToggles > 0 ? `, ${whole(latency.failedToggles)} toggles not 200` : ''),
      target: latencyTarget ? `p99 ≤ ${TARGETS.p99Ms} ms` : '',
      met: latencyTarget ? verdict(latency.p99Ms !== undefined && latency.p99Ms <= TARGETS.p99Ms) : '',
    });
  }
  rows.push({
    benchmark: `${label}: peak RSS of the server (VmHWM)`,
    result: mb(result.peakRssBytes),
    target: `≤ ${mb(TARGETS.peakRssBytes)}`,
    met: verdict(result.peakRssBytes <= TARGETS.peakRssBytes),
  });
  return profiling ? rows.map((row) => ({ ...row, met: '' })) : rows;
}

function parseArgs(args: readonly string[]): DeliveryBenchOptions {
  let integrations: number[] | undefined;
  let profile = false;
  // The compiled server, as `npm start` runs it, unless --tsx asks for src/ through tsx.
  let built = true;
  for (const arg of args) {
    if (arg === '--profile') profile = true;
    else if (arg === '--built') built = true;
    else if (arg === '--tsx') built = false;
    else if (arg.startsWith('--integrations=')) {
      integrations = arg
        .slice('--integrations='.length)
        .split(',')
        .map((n) => Number(n));
      const known = SIZES.map((s) => s.integrations);
      const unknown = integrations.filter((n) => !known.includes(n));
      if (unknown.length > 0) throw new Error(`--integrations: choose from ${known.join(', ')}`);
    } else {
      throw new Error(
        `delivery bench: unknown option ${arg} (--profile, --tsx, --integrations=1,10,100, --postgres)`,
      );
    }
  }
  return { profile, built, ...(integrations === undefined ? {} : { integrations }) };
}

export async function runDeliveryBench(args: readonly string[] = []): Promise<void> {
  if (args.includes('--postgres')) {
    const { runPostgresDeliveryBench } = await import('./postgres-bench.js');
    return runPostgresDeliveryBench(args);
  }
  const options = parseArgs(args);
  const sizes = SIZES.filter((s) => options.integrations?.includes(s.integrations) ?? true);
  if (options.built) compileServer();
  const started = Date.now();
  const cpu = cpus();
  const mode = [
    options.profile ? 'profiling' : '',
    options.built ? 'dist/src/main.js' : 'src/main.ts via tsx',
  ]
    .filter((m) => m !== '')
    .join(', ');
  console.log(`# delivery bench — ${new Date().toISOString()} (${mode})`);
  console.log(
    `node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );

  const tracker = new NotificationTracker();
  const fake = await startBenchFake(Math.max(...sizes.map((s) => s.integrations)), tracker);
  const profiling = options.profile === true;
  const probeRoot = profiling ? mkdtempSync(join(tmpdir(), 'switchboard-bench-profile-')) : undefined;
  const context: BenchContext = { fake, tracker, entry: options.built ? 'built' : 'tsx', probeRoot };
  try {
    const results: SizeResult[] = [];
    for (const size of sizes) {
      const result = await measureSize(context, size);
      results.push(result);
      const percent = (values: readonly number[]) =>
        values.map((v) => `${(v * 100).toFixed(0)} %`).join(', ');
      const t = result.throughput;
      console.log(
        `${size.integrations} integration(s) done at ${((Date.now() - started) / 1000).toFixed(0)} s. ` +
          `Per throughput repetition: server CPU ${percent(t.map((x) => x.serverCpuToggling))} of one core ` +
          `while toggling, ${percent(t.map((x) => x.serverCpuDraining))} while draining the queue after; ` +
          `drain alone ${t.map((x) => `${whole(x.drainPerSecond)}/s`).join(', ')}; ` +
          `bench process (load + fake HipChat) ${percent(t.map((x) => x.benchCpu))}; ` +
          (result.latency === undefined
            ? ''
            : `server CPU ${percent([result.latency.serverCpu])} during the latency phase; `) +
          `server log output ${whole(result.logBytes)} bytes; sampled RSS peak by phase: ` +
          [...result.rssByPhase].map(([phase, bytes]) => `${phase} ${mb(bytes)}`).join(', '),
      );
    }
    const rows = results.flatMap((result) => sizeRows(result, profiling));
    if (sizes.some((s) => s.integrations === 1)) rows.push(...(await apiOnlyRows(context, profiling)));
    console.log('');
    console.log('| benchmark | result | target | met |');
    console.log('|---|---|---|---|');
    for (const row of rows) console.log(`| ${row.benchmark} | ${row.result} | ${row.target} | ${row.met} |`);
    if (tracker.rejected > 0)
      console.log(`\nthe fake HipChat answered ${tracker.rejected} requests with an error`);
    console.log(`\n(ran in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    await fake.close();
    if (probeRoot !== undefined) console.log(`profiles kept in ${probeRoot}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runDeliveryBench(process.argv.slice(2));
}
