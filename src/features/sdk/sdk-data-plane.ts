import type { ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.js';
import type { EnvironmentStore, FlagStore, SegmentStore } from '../stores.js';
import { EnvironmentPayload, type SdkCollection, type SdkItem } from './environment-payload.js';
import type { SdkChange } from './sdk-change.js';
import type { SdkChangeListener } from './sdk-change-feed.js';
import type { SdkEnvironment, SdkKeyResolver } from './sdk-credentials.js';
import { toSdkFlag, toSdkSegment } from './sdk-model.js';
import { eventStreamHeaders, heartbeatEvent, SdkStream } from './sdk-stream.js';

export interface SdkDataPlaneOptions {
  /** How often every stream gets a comment line (LaunchDarkly: at most 3 minutes apart). */
  readonly heartbeatMs?: number;
  /** Bytes a stream may hold unread (past what the socket takes) before it is dropped. */
  readonly maxBufferedBytes?: number;
  /** A payload nobody streams or polls is forgotten after this long (and read again if asked). */
  readonly idleMs?: number;
}

interface EnvState {
  readonly id: string;
  readonly env: SdkEnvironment;
  payload: EnvironmentPayload | undefined;
  loading: Promise<EnvironmentPayload> | undefined;
  /** Each stream with the key it was opened with, checked again at every heartbeat. */
  readonly streams: Map<SdkStream, string>;
  /** Flags and segments to read again, by `collection/key`. */
  readonly dirty: Map<string, { readonly collection: SdkCollection; readonly key: string }>;
  /** Whether the environment itself changed (deleted, keys rotated): check it and its streams. */
  checkEnvironment: boolean;
  /** Changes may have been missed: read everything and send every stream a `put`. */
  reload: boolean;
  /** Others kept current with the payload (the client-side streams): told after each change. */
  readonly watchers: Set<PayloadWatcher>;
  /** The pass applying changes now, if one runs: polls wait for it (see `payload`). */
  draining: Promise<void> | undefined;
  lastUsed: number;
}

/** What a watcher hears: the payload with a change applied, or undefined: the environment is gone. */
export type PayloadWatcher = (payload: EnvironmentPayload | undefined) => void;

const stateId = (projectKey: string, envKey: string) => `${projectKey}\0${envKey}`;

/**
 * The server-side SDK data plane of this node: per environment, the SDK payload (cached, built
 * once per change) and the `/all` streams that receive it. Changes come from the change feed;
 * each changed flag or segment is read again once per environment, and the resulting event is
 * written as the same bytes to every stream of the environment.
 */
export class SdkDataPlane implements SdkChangeListener {
  private readonly states = new Map<string, EnvState>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly heartbeatMs: number;
  private readonly maxBufferedBytes: number;
  private readonly idleMs: number;
  private closed = false;
  /** Streams dropped for not reading, since start. */
  dropped = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly stores: {
      readonly environments: EnvironmentStore;
      readonly flags: FlagStore;
      readonly segments: SegmentStore;
    },
    private readonly keys: SdkKeyResolver,
    private readonly logger: Logger,
    options: SdkDataPlaneOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 60_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.idleMs = options.idleMs ?? 5 * 60_000;
    this.heartbeat = setInterval(() => this.tick(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /** The environment's payload, read once and then kept current by the change feed. */
  async payload(env: SdkEnvironment): Promise<EnvironmentPayload> {
    const state = this.state(env);
    state.lastUsed = Date.now();
    // A change committed on this node is being applied: answer after it, so a poll that follows
    // a write on the same node sees that write (streams get it as a patch either way).
    if (state.draining !== undefined) await state.draining;
    return this.loaded(state);
  }

  /** Opens an `/all` stream on `response`: the `put` now, then every change. */
  async openStream(env: SdkEnvironment, key: string, response: ServerResponse): Promise<void> {
    const state = this.state(env);
    // As for a poll: a change being applied now goes into this stream's `put`.
    if (state.draining !== undefined) await state.draining;
    const payload = await this.loaded(state);
    if (this.closed || response.destroyed) {
      response.destroy();
      return;
    }
    response.writeHead(200, eventStreamHeaders);
    const stream = new SdkStream(
      response,
      this.maxBufferedBytes,
      () => {
        state.streams.delete(stream);
        state.lastUsed = Date.now();
      },
      () => {
        this.dropped++;
        this.logger.info({ env: env.envKey, project: env.projectKey }, 'SDK stream dropped: not reading');
      },
    );
    state.streams.set(stream, key);
    stream.write(payload.snapshot().put);
  }

  /**
   * Keeps the environment's payload current and calls `listener` with it after each change is
   * applied, and once with undefined when the environment is deleted. Returns the unsubscribe.
   */
  watch(env: SdkEnvironment, listener: PayloadWatcher): () => void {
    const state = this.state(env);
    state.watchers.add(listener);
    return () => {
      state.watchers.delete(listener);
      state.lastUsed = Date.now();
    };
  }

  /** Open streams, of one environment or of all. */
  streamCount(env?: SdkEnvironment): number {
    if (env !== undefined) return this.states.get(stateId(env.projectKey, env.envKey))?.streams.size ?? 0;
    let n = 0;
    for (const state of this.states.values()) n += state.streams.size;
    return n;
  }

  changed(changes: readonly SdkChange[]): void {
    for (const change of changes) {
      if (change.kind === 'project') {
        for (const state of this.states.values()) {
          if (state.env.projectKey !== change.projectKey) continue;
          state.checkEnvironment = true;
          this.drain(state);
        }
        continue;
      }
      const state = this.states.get(stateId(change.projectKey, change.envKey));
      if (state === undefined) continue;
      if (change.kind === 'environment') state.checkEnvironment = true;
      else {
        const collection = change.kind === 'flag' ? 'flags' : 'segments';
        state.dirty.set(`${collection}/${change.key}`, { collection, key: change.key });
      }
      this.drain(state);
    }
  }

  resync(): void {
    for (const state of this.states.values()) {
      state.reload = true;
      this.drain(state);
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const state of this.states.values()) for (const stream of state.streams.keys()) stream.end();
    this.states.clear();
  }

  private state(env: SdkEnvironment): EnvState {
    const id = stateId(env.projectKey, env.envKey);
    let state = this.states.get(id);
    if (state === undefined) {
      state = {
        id,
        env,
        payload: undefined,
        loading: undefined,
        streams: new Map(),
        watchers: new Set(),
        dirty: new Map(),
        checkEnvironment: false,
        reload: false,
        draining: undefined,
        lastUsed: Date.now(),
      };
      this.states.set(id, state);
    }
    return state;
  }

  private loaded(state: EnvState): Promise<EnvironmentPayload> {
    if (state.payload !== undefined) return Promise.resolve(state.payload);
    state.loading ??= this.read(state.env).then(
      (payload) => {
        state.loading = undefined;
        // A change heard while reading is applied after (drain re-reads it): never lost.
        state.payload ??= payload;
        return state.payload;
      },
      (error: unknown) => {
        state.loading = undefined;
        throw error;
      },
    );
    return state.loading;
  }

  /** Every flag and segment of the environment. */
  private async read(env: SdkEnvironment): Promise<EnvironmentPayload> {
    const flags = await this.stores.flags.list(this.db, env.projectKey);
    const segments = await this.stores.segments.list(this.db, `${env.projectKey}/${env.envKey}`);
    return new EnvironmentPayload(
      flags
        .filter((f) => f.doc.environments[env.envKey] !== undefined)
        .map((f) => toSdkFlag(f.key, f.doc, env.envKey)),
      segments.map((s) => toSdkSegment(s.key, s.doc, s.version)),
    );
  }

  /** One flag or segment as it now is; undefined when it no longer exists in the environment. */
  private async readItem(env: SdkEnvironment, collection: SdkCollection, key: string) {
    if (collection === 'flags') {
      const flag = await this.stores.flags.get(this.db, env.projectKey, key);
      if (flag?.doc.environments[env.envKey] === undefined) return undefined;
      return toSdkFlag(key, flag.doc, env.envKey) as SdkItem;
    }
    const segment = await this.stores.segments.get(this.db, `${env.projectKey}/${env.envKey}`, key);
    return segment === undefined ? undefined : (toSdkSegment(key, segment.doc, segment.version) as SdkItem);
  }

  /** Applies what changed, one pass at a time per environment, until nothing is left. */
  private drain(state: EnvState): void {
    if (state.draining !== undefined || this.closed) return;
    state.draining = this.drainOnce(state)
      .catch((error: unknown) => {
        // A read failed: what it would have told is unknown, so everything is read again soon.
        this.logger.warn({ err: error, env: state.env.envKey }, 'SDK data plane: could not apply a change');
        state.reload = true;
        setTimeout(() => this.drain(state), 1_000).unref();
      })
      .finally(() => {
        state.draining = undefined;
      });
  }

  private async drainOnce(state: EnvState): Promise<void> {
    while (!this.closed && (state.checkEnvironment || state.reload || state.dirty.size > 0)) {
      if (state.checkEnvironment) {
        state.checkEnvironment = false;
        if (!(await this.checkEnvironment(state))) return;
      }
      if (state.reload) {
        state.reload = false;
        const fresh = await this.read(state.env);
        if (state.payload === undefined && state.loading !== undefined) await state.loading;
        state.payload = fresh;
        this.broadcast(state, fresh.snapshot().put);
        this.notify(state, fresh);
        continue;
      }
      const payload = state.payload ?? (state.loading === undefined ? undefined : await state.loading);
      const batch = [...state.dirty.values()];
      state.dirty.clear();
      // Not read yet: whoever reads it first reads these changes too.
      if (payload === undefined) continue;
      let reset = false;
      let changed = false;
      for (const { collection, key } of batch) {
        const outcome = payload.apply(collection, key, await this.readItem(state.env, collection, key));
        if (outcome.kind === 'event') this.broadcast(state, outcome.event);
        else if (outcome.kind === 'reset') reset = true;
        changed ||= outcome.kind !== 'unchanged';
      }
      if (reset) this.broadcast(state, payload.snapshot().put);
      if (changed) this.notify(state, payload);
    }
  }

  /**
   * Ends the streams whose key no longer opens this environment (rotated out, the environment
   * deleted); forgets the environment when it is gone. Returns whether it still exists.
   */
  private async checkEnvironment(state: EnvState): Promise<boolean> {
    const exists = await this.stores.environments.get(this.db, state.env.projectKey, state.env.envKey);
    if (exists === undefined) {
      for (const stream of state.streams.keys()) stream.end();
      this.states.delete(state.id);
      this.notify(state, undefined);
      return false;
    }
    const byKey = new Map<string, SdkStream[]>();
    for (const [stream, key] of state.streams) byKey.set(key, [...(byKey.get(key) ?? []), stream]);
    for (const [key, streams] of byKey) {
      const opens = await this.keys.resolve(key, 'server');
      if (opens?.projectKey === state.env.projectKey && opens.envKey === state.env.envKey) continue;
      for (const stream of streams) stream.end();
    }
    return true;
  }

  private notify(state: EnvState, payload: EnvironmentPayload | undefined): void {
    for (const watcher of state.watchers) {
      try {
        watcher(payload);
      } catch (error) {
        // One watcher's bug must not stop the others nor the data plane's own streams.
        this.logger.error({ err: error, env: state.env.envKey }, 'SDK data plane: a watcher failed');
      }
    }
  }

  private broadcast(state: EnvState, bytes: Buffer): void {
    for (const stream of state.streams.keys()) stream.write(bytes);
  }

  /** Heartbeats; keys checked again; payloads nobody uses forgotten. */
  private tick(): void {
    const now = Date.now();
    for (const state of [...this.states.values()]) {
      if (state.streams.size === 0 && state.watchers.size === 0) {
        if (state.draining === undefined && now - state.lastUsed > this.idleMs) this.states.delete(state.id);
        continue;
      }
      this.broadcast(state, heartbeatEvent);
      state.checkEnvironment = true;
      this.drain(state);
    }
  }
}
