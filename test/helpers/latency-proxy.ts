import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server (PostgreSQL here) that holds every chunk for
 * `delayMs` in each direction (a timer's: under 1 ms it is 1 ms), as a database on another host
 * would, and counts its clients' round trips: a client's write that follows an answer from the
 * server (or that opens the connection) starts a new one. Statements pipelined on one
 * connection are one round trip; statements sent one after the other's answer are one each.
 */
export class LatencyProxy {
  /** Round trips the clients of this proxy have made, summed over their connections. */
  roundTrips = 0;
  /** The most connections waiting for an answer at once since `resetPeak`. */
  peakWaiting = 0;
  /** Connections waiting for an answer to what they sent since `resetPeak`. */
  private readonly waiting = new Set<Socket>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly delayMs: number,
  ) {}

  static async start(target: { host: string; port: number }, delayMs = 0): Promise<LatencyProxy> {
    const server = createServer();
    const proxy = new LatencyProxy(server, delayMs);
    server.on('connection', (client) => proxy.pair(client, target));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  /** `url` (a PostgreSQL connection URL on 127.0.0.1) through this proxy. */
  through(url: string): string {
    const proxied = new URL(url);
    proxied.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return proxied.toString();
  }

  /** Counts connections waiting at once from now on (one waiting for ever, a LISTEN, is not). */
  resetPeak(): void {
    this.waiting.clear();
    this.peakWaiting = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pair(client: Socket, target: { host: string; port: number }): void {
    const upstream = connect(target.port, target.host);
    let answered = true;
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (answered) {
        this.roundTrips++;
        this.waiting.add(client);
        this.peakWaiting = Math.max(this.peakWaiting, this.waiting.size);
      }
      answered = false;
      this.forward(chunk, upstream);
    });
    // An answer counts once it has reached the client, after its delay.
    upstream.on('data', (chunk: Buffer) =>
      this.forward(chunk, client, () => {
        this.waiting.delete(client);
        answered = true;
      }),
    );
  }

  /** Equal delays keep the order: timers of one duration fire in the order they were set. */
  private forward(chunk: Buffer, to: Socket, then?: () => void): void {
    const write = () => {
      if (to.destroyed) return;
      to.write(chunk);
      then?.();
    };
    if (this.delayMs === 0) write();
    else setTimeout(write, this.delayMs);
  }
}
