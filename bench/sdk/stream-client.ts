import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * The load client of the stream fan-out bench, run as its own process (so its CPU shows apart
 * from the server's and from the bench driver's): it holds `streams` raw HTTP connections to
 * `GET /all` (or to client-side `GET /eval/…`, one context each), one socket each without keep-alive or an HTTP client library, parses just enough
 * of the Server-Sent Events to notice the end of the `put` and each `event: patch`, and
 * timestamps the arrival of each patch on each socket. It then toggles a flag `rounds` times
 * through the REST API, one change at a time, and waits until every stream has the patch.
 *
 * Options come as JSON in argv[2]; progress and results go to stdout as JSON lines.
 */

export interface StreamClientOptions {
  readonly port: number;
  readonly sdkKey: string;
  readonly apiToken: string;
  /** REST path of the flag to toggle, e.g. `/api/v2/flags/bench/flag-0`. */
  readonly flagPath: string;
  readonly environment: string;
  readonly streams: number;
  /**
   * Client-side streams instead: each of the `streams` connections is a browser SDK's
   * `GET /eval/{clientSideId}/{context}` for a context of its own (`user-0`, `user-1`, …), so every
   * change is evaluated for each context and written to each stream.
   */
  readonly clientSideId?: string | undefined;
  /** Connections opened at a time; the next batch starts when these have their `put`. */
  readonly batch: number;
  readonly warmupRounds: number;
  readonly rounds: number;
  /** A round not complete after this long counts the missing streams and moves on. */
  readonly roundTimeoutMs: number;
}

export type StreamClientMessage =
  | { readonly type: 'progress'; readonly connected: number; readonly failed: number }
  | { readonly type: 'measuring' }
  | {
      readonly type: 'connected';
      readonly connected: number;
      readonly failed: number;
      readonly connectMs: number;
      readonly failures: readonly string[];
    }
  | {
      readonly type: 'done';
      /** Per measured round: ms from sending the PATCH until the last stream had the patch. */
      readonly lastMs: readonly number[];
      /** Per measured round: ms until the PATCH was answered. */
      readonly answeredMs: readonly number[];
      /** Every stream's arrival in every measured round, ms after the PATCH was sent. */
      readonly arrivalsMs: readonly number[];
      /** Streams that had not had a round's patch by the round's deadline, summed over rounds. */
      readonly missing: number;
      /** Streams closed by the server or failed during the rounds. */
      readonly lost: number;
      /** CPU time this client used during the measured rounds, ms. */
      readonly clientCpuMs: number;
    };

const PUT_END = Buffer.from('\n\n');
const PATCH = Buffer.from('event: patch');
const OK = Buffer.from('HTTP/1.1 200 ');

/** Occurrences of `needle` in `tail` + `data` that end inside `data` (tail is shorter than it). */
function occurrences(tail: Buffer, data: Buffer, needle: Buffer): number {
  let n = 0;
  if (tail.length > 0) {
    const seam = Buffer.concat([tail, data.subarray(0, needle.length - 1)]);
    for (let at = seam.indexOf(needle); at !== -1; at = seam.indexOf(needle, at + 1)) n++;
  }
  for (let at = data.indexOf(needle); at !== -1; at = data.indexOf(needle, at + 1)) n++;
  return n;
}

function keepTail(tail: Buffer, data: Buffer, length: number): Buffer {
  if (data.length >= length) return Buffer.from(data.subarray(data.length - length));
  return Buffer.concat([tail, data]).subarray(-length);
}

class Stream {
  status: 'connecting' | 'open' | 'failed' | 'closed' = 'connecting';
  patches = 0;
  private head: Buffer = Buffer.alloc(0);
  private tail: Buffer = Buffer.alloc(0);
  private putSeen = false;

  constructor(
    readonly socket: Socket,
    private readonly onReady: (stream: Stream, failure?: string) => void,
    private readonly onPatch: (stream: Stream) => void,
  ) {
    socket.on('data', (data: Buffer) => this.data(data));
    socket.on('error', (error) => this.fail(error.message));
    socket.on('close', () => this.fail('closed before its put'));
  }

  private data(data: Buffer): void {
    if (this.head.length < OK.length) {
      this.head = Buffer.concat([this.head, data.subarray(0, OK.length - this.head.length)]);
      if (this.head.length === OK.length && !this.head.equals(OK)) {
        this.fail(`answered ${this.head.toString().trim()}`);
        this.socket.destroy();
        return;
      }
    }
    if (!this.putSeen) {
      // The put is the first event; the first blank line ends it (JSON has no raw newlines).
      if (occurrences(this.tail, data, PUT_END) > 0) {
        this.putSeen = true;
        this.status = 'open';
        this.onReady(this);
      }
      this.tail = keepTail(this.tail, data, PATCH.length - 1);
      return;
    }
    const found = occurrences(this.tail, data, PATCH);
    this.tail = keepTail(this.tail, data, PATCH.length - 1);
    for (let i = 0; i < found; i++) {
      this.patches++;
      this.onPatch(this);
    }
  }

  private fail(reason: string): void {
    if (this.status === 'connecting') {
      this.status = 'failed';
      this.onReady(this, reason);
    } else if (this.status === 'open') {
      this.status = 'closed';
    }
  }
}

/** Resolves once the line is written out (a pipe is asynchronous: exiting earlier cuts it). */
function send(message: StreamClientMessage): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve()));
}

function patchFlag(options: StreamClientOptions, on: boolean): Promise<number> {
  const body = JSON.stringify([
    { op: 'replace', path: `/environments/${options.environment}/on`, value: on },
  ]);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        method: 'PATCH',
        path: options.flagPath,
        headers: {
          authorization: options.apiToken,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now())
            : reject(new Error(`PATCH ${options.flagPath}: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function runStreamClient(options: StreamClientOptions): Promise<void> {
  const streams: Stream[] = [];
  const failures = new Map<string, number>();
  let failed = 0;
  // Set per round: the patch count each stream must reach, and what to do when it does.
  let target = Number.POSITIVE_INFINITY;
  let onArrival: (stream: Stream) => void = () => {};
  const onPatch = (stream: Stream) => {
    if (stream.patches === target) onArrival(stream);
  };

  const started = performance.now();
  const tail = `Host: 127.0.0.1:${options.port}\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n`;
  const serverGet = `GET /all HTTP/1.1\r\nAuthorization: ${options.sdkKey}\r\n${tail}`;
  const get = (i: number) => {
    if (options.clientSideId === undefined) return serverGet;
    const context = { kind: 'user', key: `user-${i}`, email: `user-${i}@example.com` };
    const encoded = Buffer.from(JSON.stringify(context)).toString('base64url');
    return `GET /eval/${options.clientSideId}/${encoded} HTTP/1.1\r\n${tail}`;
  };
  for (let first = 0; first < options.streams; first += options.batch) {
    const size = Math.min(options.batch, options.streams - first);
    await new Promise<void>((resolve) => {
      let pending = size;
      const onReady = (_stream: Stream, failure?: string) => {
        if (failure !== undefined) {
          failed++;
          failures.set(failure, (failures.get(failure) ?? 0) + 1);
        }
        if (--pending === 0) resolve();
      };
      for (let i = 0; i < size; i++) {
        const socket = connect({ host: '127.0.0.1', port: options.port });
        socket.setNoDelay(true);
        const request = get(first + i);
        socket.once('connect', () => socket.write(request));
        streams.push(new Stream(socket, onReady, onPatch));
      }
    });
    const connected = streams.filter((s) => s.status === 'open').length;
    if ((first / options.batch) % 8 === 7) await send({ type: 'progress', connected, failed });
  }
  const open = () => streams.filter((s) => s.status === 'open');
  await send({
    type: 'connected',
    connected: open().length,
    failed,
    connectMs: performance.now() - started,
    failures: [...failures].map(([reason, n]) => `${n} × ${reason}`),
  });
  // Let the server settle (the last puts flushed, garbage collected) before the rounds.
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  const lastMs: number[] = [];
  const answeredMs: number[] = [];
  const arrivalsMs: number[] = [];
  let missing = 0;
  let cpuStart = process.cpuUsage();
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    const waiting = open();
    let remaining = waiting.length;
    const arrivals: number[] = [];
    const sentAt = performance.now();
    const all = new Promise<number>((resolve) => {
      const deadline = setTimeout(() => resolve(Number.NaN), options.roundTimeoutMs);
      target = round + 1;
      onArrival = () => {
        const at = performance.now();
        arrivals.push(at - sentAt);
        if (--remaining === 0) {
          clearTimeout(deadline);
          resolve(at);
        }
      };
    });
    const answeredAt = await patchFlag(options, round % 2 === 0);
    const lastAt = await all;
    if (round < options.warmupRounds) {
      // The measured rounds start here: the server's CPU time is read when this arrives.
      if (round === options.warmupRounds - 1) {
        await send({ type: 'measuring' });
        cpuStart = process.cpuUsage();
      }
      continue;
    }
    missing += remaining;
    lastMs.push(Number.isNaN(lastAt) ? Number.POSITIVE_INFINITY : lastAt - sentAt);
    answeredMs.push(answeredAt - sentAt);
    arrivalsMs.push(...arrivals);
    // A pause between changes, so each round starts from quiet sockets.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const lost = streams.filter((s) => s.status === 'closed').length;
  const cpu = process.cpuUsage(cpuStart);
  const round2 = (values: number[]) => values.map((v) => Math.round(v * 100) / 100);
  await send({
    type: 'done',
    lastMs: round2(lastMs),
    answeredMs: round2(answeredMs),
    arrivalsMs: round2(arrivalsMs),
    missing,
    lost,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  });
  for (const stream of streams) stream.socket.destroy();
}

if (process.argv[1]?.endsWith('stream-client.ts')) {
  await runStreamClient(JSON.parse(process.argv[2] ?? '{}') as StreamClientOptions);
  process.exit(0);
}
