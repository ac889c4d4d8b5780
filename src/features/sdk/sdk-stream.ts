import type { ServerResponse } from 'node:http';

/** A heartbeat: an SSE comment, which the SDKs ignore and proxies see as traffic. */
export const heartbeatEvent = Buffer.from(':\n\n');

/** The response headers of every SDK stream (`/all`, `/eval`, `/meval`). */
export const eventStreamHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store',
  connection: 'keep-alive',
  // Proxies (nginx) must pass events on as they come, not buffer them.
  'x-accel-buffering': 'no',
} as const;

/**
 * One server-side SDK's `/all` stream. Writes are the environment's shared bytes; nothing is
 * serialized per connection. A client that does not read is not buffered for without bound:
 * when the socket has refused more (write() returned false and no 'drain' since) and more than
 * `maxBufferedBytes` of earlier events still wait in it, the connection is dropped and the SDK,
 * reconnecting, starts again from a `put`. Earlier events, not this one: a single event larger
 * than the bound (a `put` of a big environment) must not cut off a client that reads.
 */
export class SdkStream {
  private ended = false;
  private backedUp = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly maxBufferedBytes: number,
    /** Called once when the stream is gone, whoever ended it. */
    onClose: () => void,
    /** Called when the stream is dropped for not reading. */
    private readonly onDropped: () => void,
  ) {
    response.once('close', () => {
      this.ended = true;
      onClose();
    });
    response.on('drain', () => {
      this.backedUp = false;
    });
  }

  get open(): boolean {
    return !this.ended;
  }

  /** Writes the bytes unless the stream is gone or dropped for lagging behind. */
  write(bytes: Buffer): void {
    if (this.ended) return;
    if (this.backedUp && this.response.writableLength > this.maxBufferedBytes) {
      this.ended = true;
      this.onDropped();
      // destroy, not end: end would wait for the very buffer the client does not read.
      this.response.destroy();
      return;
    }
    if (!this.response.write(bytes)) this.backedUp = true;
  }

  /** Ends the stream (shutdown, the environment deleted); a client not reading is cut off. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.response.end();
    const cutOff = setTimeout(() => this.response.destroy(), 1_000);
    cutOff.unref();
    this.response.once('close', () => clearTimeout(cutOff));
  }
}
