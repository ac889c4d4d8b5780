import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LatencyProxy } from '../../test/helpers/latency-proxy.js';
import type { PostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { percentile } from './delivery-phases.js';
import { formatHotspots } from './hotspot-report.js';
import { postgresCpuMs, wakeUps } from './process-cpu.js';
import { readSwitchboardWebhook, ToggleLoad, WebhookReceiver } from './toggle-webhook.js';
import { FLAGS, startBenchSwitchboard } from './versus-unleash.js';

/**
 * What one toggle costs Switchboard on PostgreSQL (`npm run bench -- delivery-postgres
 * --statements`): one process (`SWITCHBOARD_ROLE=all`) with one webhook integration, toggled by
 * one client and by eight for `SECONDS` each, as the comparison with Unleash does. For each phase:
 * toggles/s, the CPU time per toggle of the server, of PostgreSQL's processes and of this bench
 * (its load client and webhook receiver: a fixed amount of work per toggle, so a slower machine
 * shows in it too), the server's wake-ups per toggle, and every statement PostgreSQL ran per
 * toggle (`pg_stat_statements`, which this bench loads into its cluster with a restart); then
 * toggle → webhook p50 / p99 at a paced `PACED_PER_SECOND`. With `--profile`, a V8 CPU profile of
 * the server for each phase; with `--postgres-delay=MS`, the server reaches PostgreSQL through a
 * proxy that holds each chunk that long each way and counts the round trips per toggle.
 */

const SECONDS = 5;
/** The paced phase's rate: change → delivery latency with the server far from saturated. */
const PACED_PER_SECOND = 100;
const DRAIN_MS = 60_000;

/** Loads pg_stat_statements: a setting read only at server start. */
async function withStatementStats(cluster: PostgresCluster): Promise<void> {
  const admin = new pg.Client(cluster.url);
  await admin.connect();
  let dataDir: string;
  try {
    await admin.query(`alter system set shared_preload_libraries = 'pg_stat_statements'`);
    dataDir =
      (await admin.query<{ data_directory: string }>('show data_directory')).rows[0]?.data_directory ?? '';
  } finally {
    await admin.end();
  }
  const restart = ['-D', dataDir, '-w', 'restart'];
  // stdio ignored: the restarted server would otherwise hold this process's pipes open.
  const result =
    process.getuid?.() === 0
      ? spawnSync('runuser', ['-u', 'postgres', '--', 'pg_ctl', ...restart], { stdio: 'ignore' })
      : spawnSync('pg_ctl', restart, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`pg_ctl restart failed (${result.status})`);
}

const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export interface StatementCountOptions {
  /** A V8 CPU profile of the server for each phase. */
  readonly profile: boolean;
  /**
   * Milliseconds each way between the server and PostgreSQL (a proxy, latency-proxy.ts), as
   * with a database on another host; the proxy also counts the server's round trips.
   */
  readonly postgresDelayMs: number | undefined;
}

export async function runStatementCount(
  cluster: PostgresCluster,
  entry: 'tsx' | 'built',
  { profile, postgresDelayMs }: StatementCountOptions,
): Promise<void> {
  await withStatementStats(cluster);
  const { hostname, port } = new URL(cluster.url);
  const receiver = await WebhookReceiver.start();
  const probeDir = profile ? mkdtempSync(join(tmpdir(), 'switchboard-bench-profile-')) : undefined;
  const proxy =
    postgresDelayMs === undefined
      ? undefined
      : await LatencyProxy.start({ host: hostname, port: Number(port) }, postgresDelayMs);
  const { server, api, url } = await startBenchSwitchboard(cluster, receiver, entry, 'sb_statements', {
    probeDir,
    through: proxy === undefined ? undefined : (direct) => proxy.through(direct),
  });
  const stats = new pg.Client(url);
  try {
    await stats.connect();
    await stats.query('create extension if not exists pg_stat_statements');
    const load = new ToggleLoad(api, receiver, FLAGS.length);
    receiver.reset(readSwitchboardWebhook, load.state);
    const warm = await load.saturate(FLAGS, 3);
    await receiver.waitFor(warm.count, DRAIN_MS);
    for (const clients of [1, FLAGS.length]) {
      receiver.reset(readSwitchboardWebhook, load.state);
      await stats.query('select pg_stat_statements_reset()');
      const [serverBefore, postgresBefore, ownBefore] = [server.cpuMs(), postgresCpuMs(port), ownCpuMs()];
      const wakesBefore = wakeUps(server.pid);
      const roundTripsBefore = proxy?.roundTrips ?? 0;
      if (probeDir !== undefined) server.startProfile();
      const started = performance.now();
      const { count, perSecond } = await load.saturate(FLAGS.slice(0, clients), SECONDS);
      await receiver.waitFor(count, DRAIN_MS);
      const windowMs = performance.now() - started;
      const wakes = wakeUps(server.pid);
      const per = (ms: number) => (ms / count).toFixed(2);
      console.log(
        `\n${clients} client${clients === 1 ? '' : 's'}: ${perSecond.toFixed(0)} toggles/s; CPU per toggle: ` +
          `server ${per(server.cpuMs() - serverBefore)} ms, PostgreSQL ${per(postgresCpuMs(port) - postgresBefore)} ms, ` +
          `bench ${per(ownCpuMs() - ownBefore)} ms; server wake-ups per toggle ${per(wakes.main - wakesBefore.main)} ` +
          `(main thread), ${per(wakes.all - wakesBefore.all)} (all threads); ` +
          (proxy === undefined
            ? ''
            : `round trips to PostgreSQL per toggle ${per(proxy.roundTrips - roundTripsBefore)}; `) +
          `${receiver.received} of ${count} delivered`,
      );
      const { rows } = await stats.query<{ calls: string; ms: string; query: string }>(
        `select calls, total_exec_time as ms, regexp_replace(query, '\\s+', ' ', 'g') as query
         from pg_stat_statements where query not like '%pg_stat_statements%' order by calls desc`,
      );
      let total = 0;
      console.log('| per toggle | exec ms per call | statement |\n|---|---|---|');
      for (const row of rows) {
        const calls = Number(row.calls);
        total += calls / count;
        if (calls / count < 0.01) continue;
        console.log(
          `| ${(calls / count).toFixed(2)} | ${(Number(row.ms) / calls).toFixed(3)} | \`${row.query.slice(0, 90)}…\` |`,
        );
      }
      console.log(`| **${total.toFixed(2)}** | | every statement |`);
      if (probeDir !== undefined) {
        const files = await server.stopProfile();
        const title = `server profile, ${clients} client${clients === 1 ? '' : 's'} (toggles and their delivery)`;
        console.log(`\n${formatHotspots({ title, ...files, windowMs, toggles: count, deliveries: count })}`);
      }
    }
    receiver.reset(readSwitchboardWebhook, load.state);
    const { ok, answeredPerSecond } = await load.paced(FLAGS, PACED_PER_SECOND, SECONDS);
    await receiver.waitFor(ok, DRAIN_MS);
    const sorted = [...receiver.latencies].sort((a, b) => a - b);
    const latency = (p: number) => `${percentile(sorted, ok, p)?.toFixed(1) ?? '—'} ms`;
    console.log(
      `\npaced, ${PACED_PER_SECOND} toggles/s offered (${answeredPerSecond.toFixed(0)} answered): ` +
        `toggle → webhook p50 ${latency(50)}, p99 ${latency(99)}; ${receiver.received} of ${ok} delivered`,
    );
    await load.close();
  } finally {
    await stats.end().catch(() => undefined);
    await server.stop();
    await receiver.close();
    await proxy?.close();
    if (probeDir !== undefined) console.log(`\nprofiles kept in ${probeDir}`);
  }
}
