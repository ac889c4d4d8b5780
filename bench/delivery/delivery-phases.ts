import { FakeHipChat } from '../../test/helpers/fake-hipchat.js';
import type { LoadClient } from './load-client.js';
import type { NotificationTracker } from './notification-tracker.js';

/**
 * The phases of the delivery bench — set-up, throughput at saturation, the paced latency phase —
 * shared by the SQLite run (`delivery-bench.ts`) and the PostgreSQL one (`postgres-bench.ts`), so
 * both measure the same thing the same way. See bench/README.md for the definitions.
 */

export interface Size {
  readonly integrations: number;
  /** Toggles per throughput repetition: N × toggles notifications must arrive. */
  readonly toggles: number;
  readonly repetitions: number;
  /** Offered load of the latency phase. */
  readonly pacedPerSecond: number;
}

/** Toggles in flight at saturation: one per flag. */
export const FLAGS = Array.from({ length: 16 }, (_, i) => `toggle-${i}`);
export const PACED_SECONDS = 10;
export const SETUP_DRAIN_MS = 60_000;
export const THROUGHPUT_DRAIN_MS = 90_000;
/** After the last paced toggle: whatever has not arrived by then counts as later than this. */
export const LATENCY_DRAIN_MS = 20_000;

export const TOKEN = 'api-delivery-bench-0123456789abcdef';
export const PROJECT = 'bench';
export const roomId = (i: number) => 1000 + i;
export const roomToken = (i: number) => `bench-room-token-${roomId(i)}-abcdef`;

export interface ThroughputResult {
  readonly togglesPerSecond: number;
  readonly notificationsPerSecond: number;
  /** Notifications/s after the last toggle was answered: the worker alone. */
  readonly drainPerSecond: number;
  readonly expected: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly failedToggles: number;
  /** Server CPU as a share of one core while toggles went on, and after. */
  readonly serverCpuToggling: number;
  readonly serverCpuDraining: number;
  /** This process (load client and fake HipChat) over the whole repetition. */
  readonly benchCpu: number;
}

export interface LatencyResult {
  readonly offeredPerSecond: number;
  readonly toggles: number;
  readonly expected: number;
  readonly delivered: number;
  /** Undefined when more than 1 % (50 %) never arrived within the drain time. */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  /** Toggles that had to wait for the previous toggle of their flag to be answered. */
  readonly late: number;
  /** Toggles answered with anything but 200 (their notifications are not expected). */
  readonly failedToggles: number;
  /** Server CPU over the phase (sending and draining), as a share of one core. */
  readonly serverCpu: number;
}

/** Nearest-rank percentile; undefined when the rank falls among what never arrived. */
export function percentile(sorted: readonly number[], expected: number, p: number): number | undefined {
  const rank = Math.ceil((p / 100) * expected);
  return rank <= sorted.length ? sorted[rank - 1] : undefined;
}

export const whole = (n: number) => Math.round(n).toLocaleString('en-US');
export const ms = (value: number | undefined, limitMs: number) =>
  value === undefined
    ? `> ${whole(limitMs / 1000)} s`
    : value >= 1000
      ? `${(value / 1000).toFixed(1)} s`
      : `${value.toFixed(1)} ms`;
export const countStatuses = (statuses: ReadonlyMap<number, number>, status: number) =>
  statuses.get(status) ?? 0;

/** The fake HipChat (limits off) with `rooms` rooms, reporting every request to `tracker`. */
export async function startBenchFake(rooms: number, tracker: NotificationTracker): Promise<FakeHipChat> {
  const ids = Array.from({ length: rooms }, (_, i) => i);
  const fake: FakeHipChat = await FakeHipChat.start({
    rooms: ids.map((i) => ({ id: roomId(i), name: `Bench room ${i}` })),
    tokens: ids.map((i) => ({ token: roomToken(i), roomId: roomId(i) })),
    tokenRateLimit: null,
    roomFloodLimit: null,
    onReceive: (request) => {
      tracker.receive(request);
      // The fake keeps every request it answers; at 10^5 per phase that is memory and GC in
      // the process that also drives the load. The tracker keeps what the bench needs.
      fake.received.length = 0;
    },
  });
  return fake;
}

/**
 * The project, the flags and `integrations` HipChat integrations (no statements: every change).
 * Each "integration added" entry goes to every integration that exists by then, itself
 * included: 1 + 2 + … + N notifications, drained before anything is measured.
 */
export async function setUpIntegrations(
  client: LoadClient,
  tracker: NotificationTracker,
  integrations: number,
  delivering: boolean,
): Promise<void> {
  await client.createFlags();
  const setupNotifications = (integrations * (integrations + 1)) / 2;
  const othersBefore = tracker.others;
  for (let i = 0; i < integrations; i++) {
    await client.call('POST', '/integrations/hipchat', {
      name: `Bench room ${i}`,
      config: { room: String(roomId(i)), token: roomToken(i) },
    });
  }
  const drained =
    !delivering ||
    (await tracker.waitFor(() => tracker.others - othersBefore >= setupNotifications, SETUP_DRAIN_MS));
  if (!drained) throw new Error(`set-up notifications did not arrive within ${SETUP_DRAIN_MS} ms`);
}

/**
 * One repetition's worth of toggles that run before anything is measured, and their
 * notifications, drained: a fresh process runs its first requests through V8's interpreter and
 * baseline tiers, and its heap and SQLite's caches are still growing. Without a warm-up the
 * first measured repetition ran 25–35 % slower than the next two; after a warm-up of a third
 * of a repetition, still 15–20 % slower. Its markers (`t99-`) are never reused by a measured
 * repetition.
 */
export async function warmUp(
  client: LoadClient,
  tracker: NotificationTracker,
  size: Size,
  delivering: boolean,
): Promise<void> {
  await measureThroughput(client, tracker, () => 0, size, 99, delivering ? THROUGHPUT_DRAIN_MS : 0);
}

/**
 * One throughput repetition: `size.toggles` toggles at saturation, then until every notification
 * arrived (or `drainMs`). `cpuMs` is the CPU time used so far by the server process(es) timed.
 */
export async function measureThroughput(
  client: LoadClient,
  tracker: NotificationTracker,
  cpuMs: () => number,
  size: Size,
  repetition: number,
  drainMs: number,
): Promise<ThroughputResult> {
  tracker.resetPhase();
  const cpuAtStart = cpuMs();
  const benchCpu = process.cpuUsage();
  const started = performance.now();
  const outcome = await client.saturate(size.toggles, `t${repetition}-`, () => {});
  const togglesEnded = performance.now();
  const cpuAtTogglesEnd = cpuMs();
  const deliveredWhileToggling = tracker.unique;
  const ok = countStatuses(outcome.statuses, 200);
  const expected = ok * size.integrations;
  const complete = await tracker.waitFor(() => tracker.unique >= expected, drainMs);
  const now = performance.now();
  const end = complete ? tracker.lastAt : now;
  const bench = process.cpuUsage(benchCpu);
  const drainMsUsed = Math.max(0, end - togglesEnded);
  return {
    togglesPerSecond: (ok * 1000) / outcome.elapsedMs,
    notificationsPerSecond: (tracker.unique * 1000) / (end - started),
    drainPerSecond:
      drainMsUsed > 0 ? ((tracker.unique - deliveredWhileToggling) * 1000) / drainMsUsed : Number.NaN,
    expected,
    delivered: tracker.unique,
    duplicates: tracker.duplicates,
    failedToggles: size.toggles - ok,
    serverCpuToggling: (cpuAtTogglesEnd - cpuAtStart) / (togglesEnded - started),
    serverCpuDraining: (cpuMs() - cpuAtTogglesEnd) / Math.max(1, now - togglesEnded),
    benchCpu: (bench.user + bench.system) / 1000 / (now - started),
  };
}

/** The latency phase: an open-loop schedule of `size.pacedPerSecond` toggles/s for 10 s. */
export async function measureLatency(
  client: LoadClient,
  tracker: NotificationTracker,
  cpuMs: () => number,
  size: Size,
): Promise<LatencyResult> {
  tracker.resetPhase();
  const toggles = size.pacedPerSecond * PACED_SECONDS;
  const cpuAtStart = cpuMs();
  const started = performance.now();
  const outcome = await client.paced(size.pacedPerSecond, toggles, 'b', (marker, at) =>
    tracker.sent(marker, at),
  );
  const expected = countStatuses(outcome.statuses, 200) * size.integrations;
  await tracker.waitFor(() => tracker.unique >= expected, LATENCY_DRAIN_MS);
  const sorted = [...tracker.latencies].sort((a, b) => a - b);
  return {
    offeredPerSecond: size.pacedPerSecond,
    toggles,
    expected,
    delivered: tracker.unique,
    p50Ms: percentile(sorted, expected, 50),
    p99Ms: percentile(sorted, expected, 99),
    late: outcome.late,
    failedToggles: toggles - countStatuses(outcome.statuses, 200),
    serverCpu: (cpuMs() - cpuAtStart) / (performance.now() - started),
  };
}
