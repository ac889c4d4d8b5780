import { Pool } from 'undici';

export interface ToggleOutcome {
  /** From the first send to the last answer. */
  readonly elapsedMs: number;
  /** Answers by HTTP status. */
  readonly statuses: ReadonlyMap<number, number>;
}

/** Called just before a toggle goes out, with the marker its comment carries. */
export type OnSend = (marker: string, at: number) => void;

/**
 * The bench's HTTP client for the Switchboard API: an undici `Pool` with keep-alive (global
 * `fetch` costs several times the CPU per request, and this process also runs the fake HipChat
 * on the same two cores).
 *
 * Toggles go to several flags, each with at most one toggle in flight: a replace to the value a
 * flag already has is a no-op with no audit entry (so no notification), and two overlapping
 * toggles of one flag could commit in either order and make one of them a no-op.
 */
export class LoadClient {
  private readonly pool: Pool;
  private readonly state: boolean[];
  private readonly busy: (Promise<void> | undefined)[];

  constructor(
    baseUrl: string,
    private readonly token: string,
    private readonly project: string,
    private readonly flags: readonly string[],
  ) {
    this.pool = new Pool(baseUrl, { connections: flags.length, keepAliveTimeout: 60_000 });
    this.state = flags.map(() => false);
    this.busy = flags.map(() => undefined);
  }

  /** A set-up call; throws unless the answer has the expected status. */
  async call(method: 'POST' | 'PATCH', path: string, body: unknown, expected = 201): Promise<unknown> {
    const response = await this.pool.request({
      method,
      path: `/api/v2${path}`,
      headers: { authorization: this.token, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode !== expected) {
      throw new Error(`${method} ${path}: expected ${expected}, got ${response.statusCode}: ${text}`);
    }
    return text === '' ? undefined : JSON.parse(text);
  }

  /** Creates the project and the flags the toggles go to (all start off). */
  async createFlags(): Promise<void> {
    await this.call('POST', '/projects', { key: this.project, name: 'Delivery bench' });
    for (const key of this.flags) await this.call('POST', `/flags/${this.project}`, { key, name: key });
  }

  /**
   * `total` toggles with one in flight per flag (so `flags.length` at once), each sent as soon
   * as the previous one on its flag is answered: the API at saturation.
   */
  async saturate(total: number, markerPrefix: string, onSend: OnSend): Promise<ToggleOutcome> {
    const statuses = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      this.flags.map(async (_, flag) => {
        while (next < total) {
          const marker = `${markerPrefix}${next++}`;
          const status = await this.toggle(flag, marker, onSend);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    return { elapsedMs: performance.now() - started, statuses };
  }

  /**
   * `count` toggles at a fixed rate, on a schedule that does not wait for answers (an open
   * loop, so a slow server cannot slow the offered load), round-robin over the flags. Only a
   * flag whose previous toggle is still unanswered makes its next toggle wait.
   */
  async paced(
    perSecond: number,
    count: number,
    markerPrefix: string,
    onSend: OnSend,
  ): Promise<ToggleOutcome & { late: number }> {
    const statuses = new Map<number, number>();
    const intervalMs = 1000 / perSecond;
    const pending: Promise<void>[] = [];
    let late = 0;
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const due = started + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const flag = i % this.flags.length;
      const previous = this.busy[flag];
      if (previous !== undefined) late++;
      const send = async () => {
        if (previous !== undefined) await previous;
        const status = await this.toggle(flag, `${markerPrefix}${i}`, onSend);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      };
      const sending = send();
      this.busy[flag] = sending;
      pending.push(
        sending.finally(() => {
          if (this.busy[flag] === sending) this.busy[flag] = undefined;
        }),
      );
    }
    await Promise.all(pending);
    return { elapsedMs: performance.now() - started, statuses, late };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async toggle(flag: number, marker: string, onSend: OnSend): Promise<number> {
    const on = !this.state[flag];
    const body = JSON.stringify({
      patch: [{ op: 'replace', path: '/environments/production/on', value: on }],
      comment: marker,
    });
    onSend(marker, performance.now());
    const response = await this.pool.request({
      method: 'PATCH',
      path: `/api/v2/flags/${this.project}/${this.flags[flag]}`,
      headers: { authorization: this.token, 'content-type': 'application/json' },
      body,
    });
    await response.body.dump();
    if (response.statusCode === 200) this.state[flag] = on;
    return response.statusCode;
  }
}
