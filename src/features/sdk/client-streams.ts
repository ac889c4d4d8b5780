import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Context } from '../../evaluation/context.js';
import type { ClientContext } from './client-context.js';
import {
  affectedFlags,
  availableTo,
  type ClientData,
  type ClientFlagResult,
  type ClientKind,
  clientData,
  clientResult,
  clientResults,
  resultsJson,
  sameResult,
} from './client-evaluation.js';
import type { EnvironmentPayload } from './environment-payload.js';
import type { SdkEnvironment } from './sdk-credentials.js';
import type { SdkDataPlane } from './sdk-data-plane.js';
import { eventStreamHeaders, heartbeatEvent, SdkStream } from './sdk-stream.js';

export interface ClientStreamsOptions {
  readonly heartbeatMs?: number;
  /** Bytes a stream may hold unread before it is dropped (as for `/all`). */
  readonly maxBufferedBytes?: number;
}

/** Streams of one context (and one client kind and reasons setting): evaluated once per change. */
interface Group {
  readonly context: Context;
  readonly kind: ClientKind;
  readonly withReasons: boolean;
  /** The last results sent, by flag key (mostly objects shared with other contexts). */
  results: Map<string, ClientFlagResult>;
  readonly streams: Set<SdkStream>;
}

interface EnvStreams {
  readonly env: SdkEnvironment;
  readonly groups: Map<string, Group>;
  readonly unwatch: () => void;
  /** The payload as last announced by the data plane (it may replace the object on a reload). */
  latest: EnvironmentPayload | undefined;
  /** The data the groups' results were last evaluated on. */
  data: ClientData | undefined;
  /** Streams being opened (waiting for the payload): the environment stays watched for them. */
  opening: number;
}

function sse(name: string, data: string): Buffer {
  return Buffer.from(`event: ${name}\ndata: ${data}\n\n`);
}

/**
 * The data for a payload, parsed once per change of it and shared by `evalx` and the streams.
 * Versions come from the clock, raised past the last one, so they grow across changes and
 * across restarts of this node (a `put` replaces all an SDK holds, so nodes need not agree).
 */
export class ClientDataCache {
  private readonly cache = new WeakMap<EnvironmentPayload, { etag: string; data: ClientData }>();
  private lastVersion = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  dataOf(payload: EnvironmentPayload): ClientData {
    const snapshot = payload.snapshot();
    const cached = this.cache.get(payload);
    if (cached !== undefined && cached.etag === snapshot.etag) return cached.data;
    this.lastVersion = Math.max(this.lastVersion + 1, this.clock());
    const data = clientData(snapshot.body, this.lastVersion);
    this.cache.set(payload, { etag: snapshot.etag, data });
    return data;
  }
}

/**
 * The client-side and mobile streams (`/eval`, `/meval`) of this node. Connections are grouped by
 * environment and by identical context, so a change costs one evaluation per distinct context,
 * and the group's events are serialized once and written as the same bytes to each of its
 * streams. Only flags whose result changed for that context are sent.
 */
export class ClientStreams {
  private readonly envs = new Map<string, EnvStreams>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxBufferedBytes: number;
  /** Streams dropped for not reading, since start. */
  dropped = 0;

  constructor(
    private readonly plane: SdkDataPlane,
    private readonly cache: ClientDataCache,
    private readonly logger: Logger,
    options: ClientStreamsOptions = {},
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? 60_000);
    this.heartbeat.unref();
  }

  /** Opens a stream for the context on `response` (headers included): a `put`, then changes. */
  async open(
    env: SdkEnvironment,
    client: ClientContext,
    kind: ClientKind,
    withReasons: boolean,
    response: ServerResponse,
    headers: Record<string, string>,
  ): Promise<void> {
    const envStreams = this.envStreams(env);
    envStreams.opening++;
    let payload: EnvironmentPayload;
    try {
      payload = await this.plane.payload(env);
    } finally {
      envStreams.opening--;
    }
    if (response.destroyed) return this.release(envStreams);
    const groupKey = `${kind}\0${withReasons}\0${client.canonical}`;
    let group = envStreams.groups.get(groupKey);
    if (group === undefined) {
      group = { context: client.context, kind, withReasons, results: new Map(), streams: new Set() };
      const data = this.cache.dataOf(envStreams.latest ?? payload);
      envStreams.data ??= data;
      group.results = this.evaluate(data, group);
      envStreams.groups.set(groupKey, group);
    }
    const joined = group;
    response.writeHead(200, { ...headers, ...eventStreamHeaders });
    const stream = new SdkStream(
      response,
      this.maxBufferedBytes,
      () => {
        joined.streams.delete(stream);
        if (joined.streams.size === 0) envStreams.groups.delete(groupKey);
        this.release(envStreams);
      },
      () => {
        this.dropped++;
        this.logger.info(
          { env: env.envKey, project: env.projectKey },
          'Client SDK stream dropped: not reading',
        );
      },
    );
    joined.streams.add(stream);
    stream.write(sse('put', resultsJson(joined.results)));
  }

  /** Distinct contexts streamed (each evaluated once per change, whatever its streams). */
  contextCount(): number {
    let n = 0;
    for (const envStreams of this.envs.values()) n += envStreams.groups.size;
    return n;
  }

  streamCount(): number {
    let n = 0;
    for (const envStreams of this.envs.values())
      for (const group of envStreams.groups.values()) n += group.streams.size;
    return n;
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const envStreams of [...this.envs.values()]) {
      for (const group of envStreams.groups.values()) for (const stream of group.streams) stream.end();
      envStreams.unwatch();
    }
    this.envs.clear();
  }

  private envStreams(env: SdkEnvironment): EnvStreams {
    let found = this.envs.get(env.environmentId);
    if (found === undefined) {
      const created: EnvStreams = {
        env,
        groups: new Map(),
        latest: undefined,
        data: undefined,
        opening: 0,
        unwatch: this.plane.watch(env, (payload) => this.changed(created, payload)),
      };
      this.envs.set(env.environmentId, created);
      found = created;
    }
    return found;
  }

  /** Stops watching an environment no stream reads any more. */
  private release(envStreams: EnvStreams): void {
    if (
      envStreams.groups.size > 0 ||
      envStreams.opening > 0 ||
      this.envs.get(envStreams.env.environmentId) !== envStreams
    )
      return;
    envStreams.unwatch();
    this.envs.delete(envStreams.env.environmentId);
  }

  private evaluate(data: ClientData, group: Group) {
    return clientResults(data, group.context, group.kind, group.withReasons);
  }

  private changed(envStreams: EnvStreams, payload: EnvironmentPayload | undefined): void {
    if (payload === undefined) {
      // The environment was deleted: its SDKs must stop, as its keys no longer open anything.
      for (const group of envStreams.groups.values()) for (const stream of group.streams) stream.end();
      envStreams.groups.clear();
      this.release(envStreams);
      return;
    }
    envStreams.latest = payload;
    const data = this.cache.dataOf(payload);
    const before = envStreams.data;
    envStreams.data = data;
    // Groups opened on older data than `before` do not exist: each was evaluated on the latest.
    const affected = before === undefined ? undefined : affectedFlags(before, data);
    if (affected?.size === 0) return;
    // Most contexts get one of a few results (shared objects, see clientResult): each event's
    // bytes are made once per change, not once per context.
    const patches = new Map<ClientFlagResult, Buffer>();
    const deletes = new Map<string, Buffer>();
    const patchOf = (key: string, result: ClientFlagResult) => {
      let bytes = patches.get(result);
      if (bytes === undefined) {
        bytes = sse('patch', JSON.stringify({ key, ...result }));
        patches.set(result, bytes);
      }
      return bytes;
    };
    const deleteOf = (key: string) => {
      let bytes = deletes.get(key);
      if (bytes === undefined) {
        bytes = sse('delete', JSON.stringify({ key, version: data.version }));
        deletes.set(key, bytes);
      }
      return bytes;
    };
    // The flags to evaluate again, looked up once for all contexts (every flag after a reload).
    const flags = [...(affected ?? data.flags.keys())].map((key) => [key, data.flags.get(key)] as const);
    for (const group of envStreams.groups.values()) {
      const events: Buffer[] = [];
      // In place: copying every group's results for a one-flag change cost more than the
      // evaluation (5,000 contexts × 200 flags per change). Nothing else iterates them meanwhile.
      const results = group.results;
      const gone = affected === undefined ? new Set(results.keys()) : undefined;
      for (const [key, flag] of flags) {
        gone?.delete(key);
        const old = results.get(key);
        const now =
          flag === undefined || flag.deleted || !availableTo(flag, group.kind)
            ? undefined
            : clientResult(data, flag, group.context, group.withReasons);
        if (now === undefined) {
          if (old === undefined) continue;
          results.delete(key);
          events.push(deleteOf(key));
        } else if (old === undefined || !sameResult(old, now)) {
          // Unchanged results keep the version they were sent with; changed ones take the new.
          results.set(key, now);
          events.push(patchOf(key, now));
        }
      }
      for (const key of gone ?? []) {
        results.delete(key);
        events.push(deleteOf(key));
      }
      if (events.length === 0) continue;
      const bytes = events.length === 1 ? (events[0] as Buffer) : Buffer.concat(events);
      for (const stream of group.streams) stream.write(bytes);
    }
  }

  private beat(): void {
    for (const envStreams of this.envs.values())
      for (const group of envStreams.groups.values())
        for (const stream of group.streams) stream.write(heartbeatEvent);
  }
}
