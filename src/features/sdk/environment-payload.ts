import { createHash } from 'node:crypto';

/** The two collections of an environment's SDK payload, named as on the wire. */
export type SdkCollection = 'flags' | 'segments';

/** A flag or segment in LaunchDarkly's SDK data model (see sdk-model.ts). */
export interface SdkItem {
  readonly key: string;
  readonly version: number;
  /** An archived flag: the SDKs must forget it. */
  readonly deleted: boolean;
}

interface Entry {
  readonly version: number;
  /** The item serialized, once; undefined for a tombstone (deleted or archived). */
  readonly json: string | undefined;
  etag?: string;
}

/**
 * What one change does to the environment's streams: nothing, one event (the same bytes for
 * every stream), or a full `put`, when the change cannot be expressed as a version that grows
 * (a flag deleted and created again starts at version 1 below its tombstone, and an SDK ignores
 * a patch whose version is not higher than what it has).
 */
export type PayloadChange =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'event'; readonly event: Buffer }
  | { readonly kind: 'reset' };

const unchanged: PayloadChange = { kind: 'unchanged' };

function strongEtag(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 32)}"`;
}

function sseEvent(name: string, data: string): Buffer {
  // JSON.stringify never emits a line break, so `data` is one line as SSE requires.
  return Buffer.from(`event: ${name}\ndata: ${data}\n\n`);
}

/**
 * One environment's flags and segments as the server-side SDKs read them, serialized once: the
 * `put` event and the `/sdk/latest-all` body are built at most once per change and the same
 * bytes go to every stream and poller of the environment. Pure data: no I/O, no clock.
 */
export class EnvironmentPayload {
  private readonly entries: Record<SdkCollection, Map<string, Entry>> = {
    flags: new Map(),
    segments: new Map(),
  };
  private all: { body: Buffer; etag: string; put: Buffer } | undefined;

  constructor(flags: readonly SdkItem[], segments: readonly SdkItem[]) {
    for (const flag of flags) this.entries.flags.set(flag.key, entryOf(flag));
    for (const segment of segments) this.entries.segments.set(segment.key, entryOf(segment));
  }

  /**
   * Takes the item as it now is (undefined: it no longer exists) and says what the streams
   * must be sent. A tombstone keeps the version it was announced with, so a later change is
   * compared with what the SDKs hold.
   */
  apply(collection: SdkCollection, key: string, item: SdkItem | undefined): PayloadChange {
    const entries = this.entries[collection];
    const old = entries.get(key);
    const path = JSON.stringify(`/${collection}/${key}`);
    if (item === undefined || item.deleted) {
      if (old === undefined || old.json === undefined) return unchanged;
      // A deletion has no version of its own: one above the last one the SDKs saw.
      const version = Math.max(item?.version ?? 0, old.version + 1);
      entries.set(key, { version, json: undefined });
      this.all = undefined;
      return { kind: 'event', event: sseEvent('delete', `{"path":${path},"version":${version}}`) };
    }
    const json = JSON.stringify(item);
    if (old?.json === json) return unchanged;
    entries.set(key, { version: item.version, json });
    this.all = undefined;
    if (old !== undefined && item.version <= old.version) return { kind: 'reset' };
    return { kind: 'event', event: sseEvent('patch', `{"path":${path},"data":${json}}`) };
  }

  /** The highest version of an item, tombstones included (undefined if never seen). */
  versionOf(collection: SdkCollection, key: string): number | undefined {
    return this.entries[collection].get(key)?.version;
  }

  /**
   * `{"flags":{…},"segments":{…}}` without tombstones, its strong ETag, and the `put` event.
   * The body is kept as bytes: as a string, every poll encoded its 0.5 MB (1,000 flags) to
   * UTF-8 again.
   */
  snapshot(): { readonly body: Buffer; readonly etag: string; readonly put: Buffer } {
    if (this.all === undefined) {
      const body = `{"flags":${collectionJson(this.entries.flags)},"segments":${collectionJson(this.entries.segments)}}`;
      this.all = {
        body: Buffer.from(body),
        etag: strongEtag(body),
        put: sseEvent('put', `{"path":"/","data":${body}}`),
      };
    }
    return this.all;
  }

  /** One live item serialized, with its strong ETag; undefined when absent or deleted. */
  item(collection: SdkCollection, key: string): { readonly json: string; readonly etag: string } | undefined {
    const entry = this.entries[collection].get(key);
    if (entry?.json === undefined) return undefined;
    entry.etag ??= strongEtag(entry.json);
    return { json: entry.json, etag: entry.etag };
  }
}

function entryOf(item: SdkItem): Entry {
  return { version: item.version, json: item.deleted ? undefined : JSON.stringify(item) };
}

function collectionJson(entries: ReadonlyMap<string, Entry>): string {
  const parts: string[] = [];
  for (const [key, entry] of entries) {
    if (entry.json !== undefined) parts.push(`${JSON.stringify(key)}:${entry.json}`);
  }
  return `{${parts.join(',')}}`;
}
