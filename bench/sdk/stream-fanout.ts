import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SwitchboardProcess } from '../delivery/switchboard-process.js';
import { count, megabytes, ms, percentile, type Row } from './report.js';
import type { StreamClientMessage, StreamClientOptions } from './stream-client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface FanoutOptions {
  readonly server: SwitchboardProcess;
  readonly sdkKey: string;
  readonly apiToken: string;
  readonly flagPath: string;
  readonly streams: number;
  readonly rounds: number;
  /** Browser SDK streams (`/eval`, a context each) of this client-side ID instead of `/all`. */
  readonly clientSideId?: string | undefined;
}

/** The soft limit on open files of a process (each stream is one descriptor on each side). */
function openFilesLimit(pid: number | 'self'): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  return Number(/^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1]?.replace('unlimited', 'Infinity'));
}

/**
 * 10,000 `/all` streams (or client-side `/eval` streams, a context each) on one server process, held by `stream-client.ts` in a process of its
 * own (raised open-file limit), then `rounds` changes: how long until every stream has each
 * patch, and the server's memory with the streams connected.
 */
export async function streamFanout(options: FanoutOptions): Promise<Row[]> {
  const { server } = options;
  const serverLimit = openFilesLimit(server.pid);
  // The server also holds its database, log pipes and listening socket.
  const streams = Math.min(options.streams, serverLimit - 200);
  if (streams < options.streams) {
    console.log(
      `  the server may open ${serverLimit} files: ${count(streams)} streams, not ${count(options.streams)}`,
    );
  }
  const port = Number(new URL(server.baseUrl).port);
  const clientOptions: StreamClientOptions = {
    port,
    sdkKey: options.sdkKey,
    apiToken: options.apiToken,
    flagPath: options.flagPath,
    environment: 'production',
    streams,
    clientSideId: options.clientSideId,
    batch: 250,
    warmupRounds: 3,
    rounds: options.rounds,
    roundTimeoutMs: 20_000,
  };
  const idle = server.memory();
  const child = spawn(
    'bash',
    [
      '-c',
      // Each stream is a descriptor in the client too; raise its soft limit as far as allowed.
      'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" --import tsx bench/sdk/stream-client.ts "$1"',
      process.execPath,
      JSON.stringify(clientOptions),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let connected: Extract<StreamClientMessage, { type: 'connected' }> | undefined;
  let done: Extract<StreamClientMessage, { type: 'done' }> | undefined;
  let rssConnected = 0;
  let rssPeak = 0;
  let sampler: NodeJS.Timeout | undefined;
  let serverCpuStart = 0;
  let serverCpuMs = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    const message = JSON.parse(line) as StreamClientMessage;
    if (message.type === 'progress') {
      console.log(`  ${count(message.connected)} streams open (${message.failed} failed)`);
    } else if (message.type === 'connected') {
      connected = message;
      console.log(
        `  ${count(message.connected)} streams open in ${(message.connectMs / 1000).toFixed(1)} s` +
          (message.failed > 0 ? `, ${message.failed} failed: ${message.failures.join('; ')}` : ''),
      );
      // Read once the client's 2 s pause has let the last puts flush.
      setTimeout(() => {
        rssConnected = server.memory()?.rss ?? 0;
      }, 1_500);
      sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, server.memory()?.rss ?? 0);
      }, 100);
    } else if (message.type === 'measuring') {
      serverCpuStart = server.cpuMs();
    } else {
      serverCpuMs = server.cpuMs() - serverCpuStart;
      done = message;
      rssPeak = Math.max(rssPeak, server.memory()?.rss ?? 0);
    }
  }
  clearInterval(sampler);
  const [code] = await new Promise<[number | null]>((resolve) => {
    if (child.exitCode !== null) resolve([child.exitCode]);
    else child.once('exit', (c) => resolve([c]));
  });
  if (connected === undefined || done === undefined) {
    throw new Error(`the stream client ended (${code}) before reporting:\n${server.output()}`);
  }
  const n = `${count(connected.connected)}${options.clientSideId === undefined ? '' : ' client'}`;
  const path = options.clientSideId === undefined ? '/all' : '/eval';
  const last = done.lastMs;
  const arrivals = done.arrivalsMs;
  const peak = server.memory()?.peak ?? 0;
  return [
    {
      name: `${n} ${path} streams: connected (batches of 250, each waiting for its puts)`,
      value: `${(connected.connectMs / 1000).toFixed(1)} s, ${connected.failed} failed`,
      target: '',
    },
    {
      name: `${n} streams: change → all received, p50 (${last.length} changes)`,
      value: ms(percentile(last, 50)),
      target: '',
    },
    { name: `${n} streams: change → all received, p99`, value: ms(percentile(last, 99)), target: '≤ 250 ms' },
    { name: `${n} streams: change → all received, max`, value: ms(Math.max(...last)), target: '' },
    {
      name: `${n} streams: change → one stream received, p50 / p90 / p99 (${count(arrivals.length)} arrivals)`,
      value: `${[50, 90, 99].map((p) => percentile(arrivals, p).toFixed(1)).join(' / ')} ms`,
      target: '',
    },
    {
      name: `${n} streams: the PATCH answered, p50`,
      value: ms(percentile(done.answeredMs, 50)),
      target: '',
    },
    {
      name: `${n} streams: CPU per change (measured rounds): server / load client`,
      value: `${ms(serverCpuMs / last.length)} / ${ms(done.clientCpuMs / last.length)}`,
      target: '',
    },
    {
      name: `${n} streams: patches missing after 20 s / streams lost`,
      value: `${done.missing} / ${done.lost}`,
      target: '0 / 0',
    },
    {
      name: `${n} streams: server RSS idle → connected (peak during the changes)`,
      value: `${megabytes(idle?.rss ?? 0)} → ${megabytes(rssConnected)} (${megabytes(rssPeak)})`,
      target: options.clientSideId === undefined ? '≤ 400 MB' : '',
    },
    { name: `${n} streams: server peak RSS since start (VmHWM)`, value: megabytes(peak), target: '' },
  ];
}
