import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

/** How one product is toggled over HTTP: the same load client drives Switchboard and Unleash. */
export interface ToggleApi {
  readonly name: string;
  readonly baseUrl: string;
  request(
    flag: string,
    on: boolean,
    marker: string,
  ): { method: 'PATCH' | 'POST'; path: string; headers: Record<string, string>; body?: string };
}

/** What a webhook body says: which flag went on or off (undefined: not a toggle notification). */
export type ReadWebhook = (body: string) => { flag: string; on: boolean } | undefined;

/** Switchboard's toggle of `project`'s flags in production (a JSON patch), with `token`. */
export function switchboardToggles(baseUrl: string, project: string, token: string): ToggleApi {
  return {
    name: 'Switchboard',
    baseUrl,
    request: (flag, on, marker) => ({
      method: 'PATCH',
      path: `/api/v2/flags/${project}/${flag}`,
      headers: { authorization: token, 'content-type': 'application/json' },
      body: JSON.stringify({
        patch: [{ op: 'replace', path: '/environments/production/on', value: on }],
        comment: marker,
      }),
    }),
  };
}

/** A Switchboard webhook's audit entry, read as a toggle. */
export const readSwitchboardWebhook: ReadWebhook = (body) => {
  const entry = JSON.parse(body) as { name?: string; titleVerb?: string };
  if (entry.titleVerb === 'turned on the flag') return { flag: entry.name ?? '', on: true };
  if (entry.titleVerb === 'turned off the flag') return { flag: entry.name ?? '', on: false };
  return undefined;
};

/**
 * One webhook receiver for both products. A flag has at most one toggle in flight and starts
 * off, so the k-th notification of a flag answers its k-th toggle: no marker is needed (Unleash's
 * toggle endpoint takes no comment), and a notification saying the wrong state is out of order.
 * A product that reorders a flag's notifications gets its latencies matched by position, so each
 * one is off by up to the span of the reordering (Unleash sends a batch of events at a time).
 */
export class WebhookReceiver {
  /** Toggle notifications received in this phase, and how many said the wrong state. */
  received = 0;
  outOfOrder = 0;
  readonly latencies: number[] = [];
  private readonly counts = new Map<string, number>();
  /** Each flag's count at the reset: 1 for a flag left on, so parity says what comes next. */
  private readonly base = new Map<string, number>();
  private readonly sent = new Map<string, number[]>();
  private read: ReadWebhook = () => undefined;
  private waiter: (() => void) | undefined;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = http.createServer({ keepAliveTimeout: 60_000 });
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200).end();
        receiver.receive(Buffer.concat(chunks).toString('utf8'));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** A new product, or its flags back to the state they are in: counting starts again. */
  reset(read: ReadWebhook, flags: ReadonlyMap<string, boolean>): void {
    this.read = read;
    this.received = 0;
    this.outOfOrder = 0;
    this.latencies.length = 0;
    this.sent.clear();
    this.counts.clear();
    this.base.clear();
    // A flag left on by the last phase: its next notification is an "off".
    for (const [flag, on] of flags) {
      this.counts.set(flag, on ? 1 : 0);
      this.base.set(flag, on ? 1 : 0);
    }
  }

  /** The toggle of `flag` that is its k-th (counting from the reset) went out at `at`. */
  toggled(flag: string, at: number): void {
    let list = this.sent.get(flag);
    if (list === undefined) {
      list = [];
      this.sent.set(flag, list);
    }
    list.push(at);
  }

  /** That toggle was refused: no notification will answer it. */
  refused(flag: string): void {
    this.sent.get(flag)?.pop();
  }

  async waitFor(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.received < count) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1_000));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return true;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(body: string): void {
    const at = performance.now();
    const toggle = this.read(body);
    if (toggle === undefined) return;
    const before = this.counts.get(toggle.flag) ?? 0;
    const k = before + 1;
    this.counts.set(toggle.flag, k);
    this.received++;
    // Odd notifications turn a flag that started off on.
    if (toggle.on !== (k % 2 === 1)) this.outOfOrder++;
    const sentAt = this.sent.get(toggle.flag)?.[k - 1 - (this.base.get(toggle.flag) ?? 0)];
    if (sentAt !== undefined) this.latencies.push(at - sentAt);
    this.waiter?.();
  }
}

/**
 * Toggles through a `ToggleApi` with at most one toggle in flight per flag (keep-alive undici
 * pool, as bench/delivery/load-client.ts), at saturation or on an open-loop schedule.
 */
export class ToggleLoad {
  private readonly pool: Pool;
  /** Each flag's state as the last answered toggle left it. */
  readonly state = new Map<string, boolean>();
  failed = 0;

  constructor(
    private readonly api: ToggleApi,
    private readonly receiver: WebhookReceiver,
    connections: number,
  ) {
    this.pool = new Pool(api.baseUrl, { connections, keepAliveTimeout: 60_000 });
  }

  /** Toggles on `flags` (one in flight each) for `seconds`; answered toggles per second. */
  async saturate(flags: readonly string[], seconds: number): Promise<{ perSecond: number; count: number }> {
    let count = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    await Promise.all(
      flags.map(async (flag) => {
        while (performance.now() < end) if (await this.toggle(flag, `s${count}`)) count++;
      }),
    );
    return { perSecond: (count * 1000) / (performance.now() - started), count };
  }

  /**
   * `perSecond` toggles/s for `seconds`, round-robin over `flags`: the toggles answered 200, and
   * the rate at which they were (below the offered rate when the server cannot keep up).
   */
  async paced(
    flags: readonly string[],
    perSecond: number,
    seconds: number,
  ): Promise<{ ok: number; answeredPerSecond: number }> {
    const busy = new Map<string, Promise<unknown>>();
    const all: Promise<unknown>[] = [];
    let ok = 0;
    const started = performance.now();
    const total = perSecond * seconds;
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 1000) / perSecond - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const flag = flags[i % flags.length] as string;
      const previous = busy.get(flag);
      const sending = (async () => {
        await previous;
        if (await this.toggle(flag, `p${i}`)) ok++;
      })();
      busy.set(flag, sending);
      all.push(sending);
    }
    await Promise.all(all);
    return { ok, answeredPerSecond: (ok * 1000) / (performance.now() - started) };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async toggle(flag: string, marker: string): Promise<boolean> {
    const on = !(this.state.get(flag) ?? false);
    this.receiver.toggled(flag, performance.now());
    const response = await this.pool.request(this.api.request(flag, on, marker));
    await response.body.dump();
    if (response.statusCode >= 300) {
      this.receiver.refused(flag);
      this.failed++;
      return false;
    }
    this.state.set(flag, on);
    return true;
  }
}
