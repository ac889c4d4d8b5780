import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { FakeHipChat } from '../../test/helpers/fake-hipchat.js';
import { type PostgresCluster, startPostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { median } from '../measure.js';
import {
  FLAGS,
  LATENCY_DRAIN_MS,
  type LatencyResult,
  measureLatency,
  measureThroughput,
  ms,
  PACED_SECONDS,
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
import { LoadClient } from './load-client.js';
import { NotificationTracker } from './notification-tracker.js';
import { createPostgresDatabase } from './postgres-database.js';
import { machineBusyMs, postgresCpuMs } from './process-cpu.js';
import { runStatementCount } from './statement-count.js';
import { benchFakeHipChatEnv, compileServer, SwitchboardProcess } from './switchboard-process.js';
import { runVersusUnleash } from './versus-unleash.js';

/**
 * The delivery bench on PostgreSQL (`npm run bench -- delivery-postgres`, or `delivery
 * --postgres`): the same phases as the SQLite run (`delivery-phases.ts`), against one API
 * process (`SWITCHBOARD_ROLE=api`, which migrates and takes all the load) and one or two worker
 * processes (`SWITCHBOARD_ROLE=worker`, woken by LISTEN/NOTIFY), all on one throwaway cluster
 * (test/helpers/postgres-cluster.ts) and a fresh database per size and worker count.
 */

// Smaller than the SQLite sizes: on PostgreSQL the API answers about 150–250 toggles/s and the
// workers deliver a few hundred notifications/s here, so the SQLite counts would take over two
// minutes per size and worker count. The paced rates are ones PostgreSQL keeps up with (the SQLite
// rates would offer more notifications/s than it delivers, and measure only a growing queue):
// 50 toggles/s for one room, 200 notifications/s for 10 and 100 rooms.
const SIZES: readonly Size[] = [
  { integrations: 1, toggles: 1_000, repetitions: 3, pacedPerSecond: 50 },
  { integrations: 10, toggles: 300, repetitions: 3, pacedPerSecond: 20 },
  { integrations: 100, toggles: 100, repetitions: 1, pacedPerSecond: 2 },
];
const WORKER_COUNTS = [1, 2] as const;
const SECRET_KEY = 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=';

export interface PostgresBenchOptions {
  readonly integrations?: readonly number[];
  readonly workers?: readonly number[];
  readonly built?: boolean;
  /** Only the comparison with Unleash (versus-unleash.ts), in this many alternating rounds. */
  readonly versusUnleash?: number;
  /** Only the statements and CPU time one toggle costs (statement-count.ts). */
  readonly statements?: boolean;
  /** With `statements`: a V8 CPU profile of the server for each phase (server-probe.mjs). */
  readonly profile?: boolean;
  /** With `statements`: milliseconds each way between the server and PostgreSQL (a proxy). */
  readonly postgresDelayMs?: number;
}

interface Outcome {
  readonly size: Size;
  readonly workers: number;
  readonly throughput: readonly ThroughputResult[];
  readonly latency: LatencyResult | undefined;
}

/** One database with one API process and `workers` worker processes on it. */
class Deployment {
  private constructor(
    readonly api: SwitchboardProcess,
    readonly workers: readonly SwitchboardProcess[],
  ) {}

  static async start(
    cluster: PostgresCluster,
    database: string,
    fake: FakeHipChat,
    workers: number,
    entry: 'tsx' | 'built',
  ): Promise<Deployment> {
    const url = await createPostgresDatabase(cluster, database);
    const env = (role: 'api' | 'worker') => ({
      SWITCHBOARD_DATABASE_URL: url,
      SWITCHBOARD_SECRET_KEY: SECRET_KEY,
      SWITCHBOARD_ROLE: role,
      SWITCHBOARD_ADMIN_TOKEN: TOKEN,
      ...benchFakeHipChatEnv(fake.url),
    });
    // The API process migrates and creates the owner; the workers start once it is ready.
    const api = await SwitchboardProcess.start({ env: env('api'), entry });
    const started = await Promise.allSettled(
      Array.from({ length: workers }, () => SwitchboardProcess.start({ env: env('worker'), entry })),
    );
    const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    const deployment = new Deployment(api, running);
    if (failed !== undefined) {
      await deployment.stop();
      throw failed.reason;
    }
    return deployment;
  }

  get processes(): SwitchboardProcess[] {
    return [this.api, ...this.workers];
  }

  /** CPU time used so far by the API and worker processes together, in ms. */
  cpuMs(): number {
    return this.processes.reduce((sum, p) => sum + p.cpuMs(), 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }
}

async function measure(
  cluster: PostgresCluster,
  fake: FakeHipChat,
  tracker: NotificationTracker,
  size: Size,
  workers: number,
  entry: 'tsx' | 'built',
  started: number,
): Promise<Outcome> {
  const database = `sb_bench_n${size.integrations}_w${workers}`;
  const deployment = await Deployment.start(cluster, database, fake, workers, entry);
  const client = new LoadClient(deployment.api.baseUrl, TOKEN, PROJECT, FLAGS);
  try {
    await setUpIntegrations(client, tracker, size.integrations, true);
    await warmUp(client, tracker, size, true);
    const cpuBefore = deployment.processes.map((p) => p.cpuMs());
    const machineBefore = machineBusyMs();
    const port = new URL(cluster.url).port;
    const postgresBefore = postgresCpuMs(port);
    const wallBefore = performance.now();
    const cpu = () => deployment.cpuMs();
    const throughput: ThroughputResult[] = [];
    for (let r = 0; r < size.repetitions; r++) {
      const result = await measureThroughput(client, tracker, cpu, size, r, THROUGHPUT_DRAIN_MS);
      throughput.push(result);
      if (result.delivered < result.expected) break; // the queue is not empty
    }
    const drained = throughput.every((t) => t.delivered >= t.expected);
    const latency = drained ? await measureLatency(client, tracker, cpu, size) : undefined;
    const wall = performance.now() - wallBefore;
    const share = (cpuMs: number) => `${((cpuMs / wall) * 100).toFixed(0)} %`;
    const perProcess = deployment.processes.map((p, i) => share(p.cpuMs() - (cpuBefore[i] ?? 0)));
    console.log(
      `${size.integrations} integration(s), ${workers} worker(s) done at ${((Date.now() - started) / 1000).toFixed(0)} s. ` +
        `CPU over the measured phases (share of one core): API ${perProcess[0]}, ` +
        `worker(s) ${perProcess.slice(1).join(', ')}, ` +
        `PostgreSQL ${share(postgresCpuMs(port) - postgresBefore)}, whole machine ${share(machineBusyMs() - machineBefore)} ` +
        `of ${cpus().length * 100} %; bench process per repetition ` +
        `${throughput.map((t) => `${(t.benchCpu * 100).toFixed(0)} %`).join(', ')}; ` +
        `duplicates ${throughput.reduce((sum, t) => sum + t.duplicates, 0)}.`,
    );
    if (throughput.some((t) => t.duplicates > 0)) {
      // A duplicate needs explaining: show what the workers logged (warnings and errors).
      for (const [i, p] of deployment.processes.slice(1).entries()) {
        console.log(
          `worker ${i + 1}, last log lines:\n${p.output().trim().split('\n').slice(-15).join('\n')}`,
        );
      }
    }
    return { size, workers, throughput, latency };
  } finally {
    await client.close();
    await deployment.stop();
  }
}

function cells(outcome: Outcome | undefined): {
  toggles: string;
  notifications: string;
  drain: string;
  latency: string;
} {
  if (outcome === undefined) return { toggles: '', notifications: '', drain: '', latency: '' };
  const { throughput, latency } = outcome;
  const summary = (values: readonly number[]) =>
    `${whole(median(values))}${values.length > 1 ? ` (${values.map(whole).join(', ')})` : ''}`;
  const failed = throughput.reduce((sum, t) => sum + t.failedToggles, 0);
  const duplicates = throughput.reduce((sum, t) => sum + t.duplicates, 0);
  const incomplete = throughput.find((t) => t.delivered < t.expected);
  const drains = throughput.map((t) => t.drainPerSecond).filter((rate) => Number.isFinite(rate));
  let latencyCell = 'not measured (queue not drained)';
  if (latency !== undefined) {
    const missing = latency.expected - latency.delivered;
    latencyCell =
      `${ms(latency.p50Ms, LATENCY_DRAIN_MS)} / ${ms(latency.p99Ms, LATENCY_DRAIN_MS)}` +
      (missing > 0 ? `, ${whole(missing)} not delivered after ${LATENCY_DRAIN_MS / 1000} s` : '') +
      (latency.late > 0 ? `, ${whole(latency.late)} sent late` : '') +
      (latency.failedToggles > 0 ? `, ${whole(latency.failedToggles)} not 200` : '');
  }
  return {
    toggles: `${summary(throughput.map((t) => t.togglesPerSecond))}${failed > 0 ? `, ${failed} not 200` : ''}`,
    notifications:
      summary(throughput.map((t) => t.notificationsPerSecond)) +
      (incomplete === undefined
        ? ''
        : `, only ${whole(incomplete.delivered)} of ${whole(incomplete.expected)} within ${THROUGHPUT_DRAIN_MS / 1000} s`) +
      (duplicates > 0 ? `, ${duplicates} duplicates` : ''),
    drain: drains.length > 0 ? summary(drains) : '',
    latency: latencyCell,
  };
}

function parseList(arg: string, name: string, known: readonly number[]): number[] {
  const values = arg
    .slice(name.length + 1)
    .split(',')
    .map((n) => Number(n));
  if (values.some((n) => !known.includes(n))) throw new Error(`${name}: choose from ${known.join(', ')}`);
  return values;
}

function parseArgs(args: readonly string[]): PostgresBenchOptions {
  let integrations: number[] | undefined;
  let workers: number[] | undefined;
  // The compiled server, as `npm start` runs it, unless --tsx asks for src/ through tsx.
  let built = true;
  let versusUnleash: number | undefined;
  let statements = false;
  let profile = false;
  let postgresDelayMs: number | undefined;
  for (const arg of args) {
    if (arg === '--postgres') continue;
    if (arg === '--statements') statements = true;
    else if (arg === '--profile') profile = true;
    else if (arg.startsWith('--postgres-delay='))
      postgresDelayMs = Number(arg.slice('--postgres-delay='.length));
    else if (arg === '--versus-unleash') versusUnleash ??= 8;
    else if (arg.startsWith('--rounds=')) versusUnleash = Number(arg.slice('--rounds='.length));
    else if (arg === '--built') built = true;
    else if (arg === '--tsx') built = false;
    else if (arg.startsWith('--integrations='))
      integrations = parseList(
        arg,
        '--integrations',
        SIZES.map((s) => s.integrations),
      );
    else if (arg.startsWith('--workers=')) workers = parseList(arg, '--workers', WORKER_COUNTS);
    else
      throw new Error(
        `delivery bench on PostgreSQL: unknown option ${arg} (--tsx, --integrations=1,10,100, --workers=1,2, --versus-unleash, --rounds=N, --statements [--profile] [--postgres-delay=MS])`,
      );
  }
  if ((profile || postgresDelayMs !== undefined) && !statements)
    throw new Error('--profile, --postgres-delay: only with --statements');
  if (postgresDelayMs !== undefined && !(Number.isFinite(postgresDelayMs) && postgresDelayMs >= 0))
    throw new Error('--postgres-delay: milliseconds, 0 or more');
  if (versusUnleash !== undefined && !(Number.isInteger(versusUnleash) && versusUnleash > 0))
    throw new Error('--rounds: a whole number of rounds, at least 1');
  return {
    built,
    statements,
    profile,
    ...(postgresDelayMs === undefined ? {} : { postgresDelayMs }),
    ...(versusUnleash === undefined ? {} : { versusUnleash }),
    ...(integrations === undefined ? {} : { integrations }),
    ...(workers === undefined ? {} : { workers }),
  };
}

export async function runPostgresDeliveryBench(args: readonly string[] = []): Promise<void> {
  const options = parseArgs(args);
  const sizes = SIZES.filter((s) => options.integrations?.includes(s.integrations) ?? true);
  const workerCounts = WORKER_COUNTS.filter((w) => options.workers?.includes(w) ?? true);
  const entry = options.built ? 'built' : 'tsx';
  if (options.built) compileServer();
  const started = Date.now();
  const cpu = cpus();
  console.log(
    `# delivery bench on PostgreSQL — ${new Date().toISOString()} (${entry === 'built' ? 'dist/src/main.js' : 'src/main.ts via tsx'})`,
  );
  console.log(
    `node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  if (options.versusUnleash !== undefined || options.statements) {
    const cluster = await startPostgresCluster();
    try {
      if (options.statements)
        await runStatementCount(cluster, entry, {
          profile: options.profile ?? false,
          postgresDelayMs: options.postgresDelayMs,
        });
      else await runVersusUnleash(cluster, options.versusUnleash ?? 8, entry);
    } finally {
      cluster.stop();
    }
    console.log(`\n(ran in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return;
  }
  const tracker = new NotificationTracker();
  const fake = await startBenchFake(Math.max(...sizes.map((s) => s.integrations)), tracker);
  let cluster: PostgresCluster | undefined;
  try {
    cluster = await startPostgresCluster();
    const outcomes: Outcome[] = [];
    // One worker count after the other for each size, so both see about the same background load.
    for (const size of sizes) {
      for (const workers of workerCounts) {
        outcomes.push(await measure(cluster, fake, tracker, size, workers, entry, started));
      }
    }
    const header = workerCounts.map((w) => `${w} worker${w === 1 ? '' : 's'}`);
    console.log('');
    console.log(`| benchmark | ${header.join(' | ')} |`);
    console.log(`|---|${header.map(() => '---').join('|')}|`);
    for (const size of sizes) {
      const n = size.integrations;
      const label = `${n} integration${n === 1 ? '' : 's'}`;
      const columns = workerCounts.map((w) =>
        cells(outcomes.find((o) => o.size === size && o.workers === w)),
      );
      const row = (benchmark: string, pick: (c: ReturnType<typeof cells>) => string) =>
        console.log(`| ${label}: ${benchmark} | ${columns.map(pick).join(' | ')} |`);
      row(`toggles/s (${FLAGS.length} in flight, ${whole(size.toggles)} toggles)`, (c) => c.toggles);
      row(`notifications/s (${whole(size.toggles * n)} per repetition)`, (c) => c.notifications);
      row('notifications/s after the last toggle (the workers alone)', (c) => c.drain);
      row(
        `change → delivery p50 / p99 at ${size.pacedPerSecond} toggles/s (${whole(size.pacedPerSecond * PACED_SECONDS * n)} notifications)`,
        (c) => c.latency,
      );
    }
    if (tracker.rejected > 0)
      console.log(`\nthe fake HipChat answered ${tracker.rejected} requests with an error`);
    console.log(`\n(ran in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    cluster?.stop();
    await fake.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runPostgresDeliveryBench(process.argv.slice(2));
}
