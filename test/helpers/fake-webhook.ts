import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookRequest {
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly status: number;
  readonly at: number;
  /** Both signatures checked against the receiver's secret (undefined when it has none). */
  readonly ldSignatureOk?: boolean;
  readonly standardSignatureOk?: boolean;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A webhook receiver that verifies X-LD-Signature and the Standard Webhooks signature. */
export class FakeWebhook {
  received: WebhookRequest[] = [];
  secret: string | undefined;
  private mode: 'up' | 'down' = 'up';
  private rateLimit: { count: number; retryAfterSec: number } | undefined;
  /** While held, requests wait here (answered in arrival order by `releaseOne`). */
  private waiting: (() => void)[] | undefined;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<FakeWebhook> {
    const server = http.createServer();
    const fake = new FakeWebhook(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = () => fake.handle(req, res, Buffer.concat(chunks).toString('utf8'));
        if (fake.waiting === undefined) answer();
        else fake.waiting.push(answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  setMode(mode: 'up' | 'down'): void {
    this.mode = mode;
  }

  /** The next `count` requests get 429 with `Retry-After: retryAfterSec`. */
  rateLimitNext(count: number, retryAfterSec: number): void {
    this.rateLimit = { count, retryAfterSec };
  }

  /** From now on each request waits, unanswered and unrecorded, until `releaseOne`. */
  hold(): void {
    this.waiting ??= [];
  }

  /** Requests waiting behind `hold`. */
  get held(): number {
    return this.waiting?.length ?? 0;
  }

  /** Answers the oldest request waiting behind `hold`. */
  releaseOne(): void {
    this.waiting?.shift()?.();
  }

  reset(): void {
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    for (const answer of waiting) answer();
    this.received = [];
    this.mode = 'up';
    this.rateLimit = undefined;
    this.secret = undefined;
  }

  delivered(): WebhookRequest[] {
    return this.received.filter((r) => r.status === 200);
  }

  /** The flag changes delivered (answered 200), as their bodies say, in arrival order. */
  deliveredFlagChanges(): { readonly _id: string; readonly titleVerb?: string }[] {
    return this.delivered()
      .map((r) => JSON.parse(r.body) as { kind?: string; _id: string; titleVerb?: string })
      .filter((e) => e.kind === 'flag');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    let status = 200;
    const headers: Record<string, string> = {};
    if (req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/json'))
      status = 415;
    else {
      try {
        JSON.parse(body);
      } catch {
        status = 400;
      }
    }
    let ldSignatureOk: boolean | undefined;
    let standardSignatureOk: boolean | undefined;
    if (this.secret !== undefined) {
      const ld = String(req.headers['x-ld-signature'] ?? '');
      ldSignatureOk = same(ld, createHmac('sha256', this.secret).update(body).digest('hex'));
      const id = String(req.headers['webhook-id'] ?? '');
      const ts = String(req.headers['webhook-timestamp'] ?? '');
      const expected = `v1,${createHmac('sha256', this.secret).update(`${id}.${ts}.${body}`).digest('base64')}`;
      const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
      standardSignatureOk =
        id !== '' &&
        fresh &&
        String(req.headers['webhook-signature'] ?? '')
          .split(' ')
          .some((s) => same(s, expected));
      if (status === 200 && (!ldSignatureOk || !standardSignatureOk)) status = 401;
    }
    if (status === 200 && this.mode === 'down') status = 503;
    if (status === 200 && this.rateLimit !== undefined && this.rateLimit.count > 0) {
      this.rateLimit.count--;
      status = 429;
      headers['retry-after'] = String(this.rateLimit.retryAfterSec);
    }
    this.received.push({
      body,
      headers: req.headers,
      status,
      at: Date.now(),
      ...(ldSignatureOk === undefined ? {} : { ldSignatureOk, standardSignatureOk }),
    });
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(status === 200 ? 'ok' : 'no');
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
