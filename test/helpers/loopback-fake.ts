import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the fake chat servers share: an HTTP server on a loopback port, whose open connections
 * are cut when it closes (a keep-alive client would otherwise hold the close open), and waiting
 * until what it received meets a condition.
 */
export class LoopbackServer {
  /** TCP connections accepted so far (keep-alive tests count them). */
  connections = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: http.Server) {}

  static async listen(handle: http.RequestListener, port = 0, host = '127.0.0.1'): Promise<LoopbackServer> {
    const server = http.createServer(handle);
    const loopback = new LoopbackServer(server);
    server.on('connection', (socket) => {
      loopback.connections++;
      loopback.sockets.add(socket);
      socket.on('close', () => loopback.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return loopback;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Waits until what a fake received (read afresh each time) meets a condition. */
export class Arrivals<T> {
  private readonly waiters = new Set<() => void>();

  constructor(
    /** Names the fake in a timeout's error. */
    private readonly name: string,
    private readonly received: () => readonly T[],
  ) {}

  /** Call after each request is recorded. */
  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves once `predicate` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (received: readonly T[]) => boolean, timeoutMs: number): Promise<void> {
    if (predicate(this.received())) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this.received())) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `${this.name}: condition not met within ${timeoutMs} ms (${this.received().length} received)`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}
