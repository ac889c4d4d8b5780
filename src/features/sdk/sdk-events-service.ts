import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ValidationError } from '../../errors/app-errors.js';
import { remember } from '../../shared/bounded-cache.js';
import type { Clock } from '../../shared/ids.js';
import type { EnvironmentStore, FlagStore, ProjectStore } from '../stores.js';
import type { SdkEnvironment } from './sdk-credentials.js';
import {
  type EvaluationCount,
  maxPayloadIdLength,
  readAnalyticsPayload,
  readDiagnosticPayload,
} from './sdk-events-model.js';
import {
  defaultVariation,
  type EvaluationBatch,
  EvaluationQueue,
  hourMs,
  hourOf,
} from './sdk-events-queue.js';
import type { FlagEvaluationStore } from './sdk-events-store.js';

/** Hourly counts older than this are deleted; the read API cannot ask further back. */
export const retentionHours = 90 * 24;

/**
 * Payload ids remembered for de-duplication, per node. An SDK retries a failed post once, about
 * a second later, so only the latest few thousand ids matter; 10,000 ids of at most 128
 * characters are under 3 MB. A retry that reaches another node is counted twice (rare, small).
 */
const rememberedPayloads = 10_000;

export interface SdkEventsOptions {
  readonly clock: Clock;
  readonly capacity?: number;
  readonly flushIntervalMs?: number;
  readonly onDropped: (evaluations: number) => void;
  /** Each `POST /bulk` payload's fate, for /metrics. */
  readonly onPayload: (outcome: PayloadOutcome) => void;
  readonly onWriteError: (error: unknown) => void;
}

export type PayloadOutcome = 'counted' | 'duplicate' | 'rejected';

export interface FlagEvaluations {
  readonly projectKey: string;
  readonly flagKey: string;
  readonly environmentKey: string;
  readonly hours: number;
  /** Start of the window: the start of the oldest hour counted. */
  readonly from: number;
  readonly to: number;
  readonly totalCount: number;
  /** Per variation index; `variation: null` counts the application's default being served. */
  readonly variations: { variation: number | null; count: number }[];
  readonly lastEvaluated: number | null;
}

/** SDK analytics and diagnostic events in; evaluation counts out. */
export class SdkEventsService {
  private readonly queue: EvaluationQueue;
  private readonly seenPayloads = new Map<string, true>();
  private prunedAt = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly stores: {
      readonly environments: EnvironmentStore;
      readonly flags: FlagStore;
      readonly projects: ProjectStore;
    },
    private readonly store: FlagEvaluationStore,
    private readonly options: SdkEventsOptions,
  ) {
    this.queue = new EvaluationQueue((batch) => this.write(batch), {
      capacity: options.capacity ?? 50_000,
      flushIntervalMs: options.flushIntervalMs ?? 1_000,
      onDropped: options.onDropped,
      onWriteError: options.onWriteError,
    });
  }

  start(): void {
    this.queue.start();
  }

  /** Writes what is still counted in memory (tests, shutdown). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  /**
   * Counts one `POST /bulk` payload, unless a payload with the same id was already counted for
   * this environment (the SDK retried). Returns whether it was counted. Evaluations are dated
   * when they arrive, not by the SDK's clock: a summary covers the last few seconds (the SDK
   * flushes every 5 s by default), and applications' clocks drift further than that.
   */
  acceptAnalytics(env: SdkEnvironment, payloadId: string | undefined, body: unknown): boolean {
    let counts: EvaluationCount[];
    try {
      if (payloadId !== undefined && payloadId.length > maxPayloadIdLength) {
        throw ValidationError.at(
          'header /x-launchdarkly-payload-id',
          `must be at most ${maxPayloadIdLength} characters`,
        );
      }
      counts = readAnalyticsPayload(body);
    } catch (error) {
      this.options.onPayload('rejected');
      throw error;
    }
    if (payloadId !== undefined) {
      const id = `${env.environmentId}\u0000${payloadId}`;
      if (this.seenPayloads.has(id)) {
        this.options.onPayload('duplicate');
        return false;
      }
      remember(this.seenPayloads, id, true, rememberedPayloads);
    }
    if (counts.length > 0) this.queue.add(env, counts, this.options.clock());
    this.options.onPayload('counted');
    return true;
  }

  /** Checks a `POST /diagnostic` payload. Diagnostics describe the SDK, not the flags: not kept. */
  acceptDiagnostic(_env: SdkEnvironment, body: unknown): void {
    readDiagnosticPayload(body);
  }

  /** Evaluations of one flag in one environment over the last `hours` hours (this one included). */
  async evaluations(
    projectKey: string,
    flagKey: string,
    envKey: string,
    hours: number,
  ): Promise<FlagEvaluations> {
    await this.stores.projects.getOrThrow(this.db, '', projectKey);
    await this.stores.environments.getOrThrow(this.db, projectKey, envKey);
    await this.stores.flags.getOrThrow(this.db, projectKey, flagKey);
    const now = this.options.clock();
    const from = hourOf(now) - (hours - 1) * hourMs;
    const env = { projectKey, envKey };
    const rows = await this.store.countsSince(this.db, env, flagKey, from);
    const last = await this.store.lastEvaluated(this.db, env, flagKey);
    return {
      projectKey,
      flagKey,
      environmentKey: envKey,
      hours,
      from,
      to: now,
      totalCount: rows.reduce((sum, r) => sum + r.count, 0),
      variations: rows.map((r) => ({
        variation: r.variation === defaultVariation ? null : r.variation,
        count: r.count,
      })),
      lastEvaluated: last ?? null,
    };
  }

  /** One batch in one transaction; at most once an hour, it also deletes hours past retention. */
  private async write(batch: EvaluationBatch): Promise<void> {
    const now = this.options.clock();
    const prune = now - this.prunedAt >= hourMs;
    await this.db.transaction().execute(async (tx) => {
      await this.store.add(tx, batch.counts, batch.last);
      if (prune) await this.store.prune(tx, hourOf(now) - retentionHours * hourMs);
    });
    if (prune) this.prunedAt = now;
  }
}
