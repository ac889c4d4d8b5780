import type { AddressInfo } from 'node:net';
import { basicLogger, init, type LDClient } from '@launchdarkly/node-server-sdk';
import { expect } from 'vitest';
import type { BuildOptions } from '../../src/composition-root.js';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * A Switchboard listening on a real port with one project (`shop`), a flag with targets, a rule
 * and a segment rule in production, and LaunchDarkly's official Node server SDK pointed at it.
 */
export interface DataPlaneKit {
  readonly t: TestSwitchboard;
  readonly base: string;
  readonly sdkKey: string;
  close(): Promise<void>;
}

export const project = 'shop';

/** Bearer token for `/metrics` on the data-plane test servers. */
export const metricsToken = 'metrics-token-for-the-sdk-tests';

export async function startDataPlane(options: BuildOptions = {}): Promise<DataPlaneKit> {
  const t = await startTestSwitchboard({ SWITCHBOARD_METRICS_TOKEN: metricsToken }, options);
  const ok = (res: { status: number; body: unknown }, status = 200) =>
    expect(res.status, JSON.stringify(res.body)).toBe(status);
  ok(await t.api('POST', '/api/v2/projects', { key: project, name: 'Shop' }), 201);
  for (const key of ['checkout', 'banner', 'quiet', 'loud'])
    ok(await t.api('POST', `/api/v2/flags/${project}`, { key, name: key }), 201);
  ok(
    await t.api('POST', `/api/v2/segments/${project}/production`, {
      key: 'beta',
      name: 'Beta',
      included: ['bob'],
    }),
    201,
  );
  // checkout in production: on; alice targeted to false; @acme.com emails and beta get true;
  // everyone else falls through to false.
  ok(
    await t.api('PATCH', `/api/v2/flags/${project}/checkout`, [
      { op: 'replace', path: '/environments/production/on', value: true },
      { op: 'replace', path: '/environments/production/fallthrough', value: { variation: 1 } },
      {
        op: 'replace',
        path: '/environments/production/targets',
        value: [{ values: ['alice'], variation: 1 }],
      },
      {
        op: 'replace',
        path: '/environments/production/rules',
        value: [
          {
            _id: 'r-acme',
            clauses: [{ attribute: 'email', op: 'endsWith', values: ['@acme.com'], negate: false }],
            variation: 0,
            trackEvents: false,
          },
          {
            _id: 'r-beta',
            clauses: [{ attribute: 'segmentMatch', op: 'segmentMatch', values: ['beta'], negate: false }],
            variation: 0,
            trackEvents: false,
          },
        ],
      },
    ]),
  );
  const env = await t.api('GET', `/api/v2/projects/${project}/environments/production`);
  ok(env);
  await t.switchboard.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(t.switchboard.app.server.address() as AddressInfo).port}`;
  return { t, base, sdkKey: env.body.apiKey as string, close: () => t.close() };
}

/** The official SDK against `base`, streaming unless `stream: false`; not yet initialized. */
export function sdkClient(base: string, sdkKey: string, options: { stream?: boolean } = {}): LDClient {
  return init(sdkKey, {
    baseUri: base,
    streamUri: base,
    eventsUri: base,
    sendEvents: false,
    diagnosticOptOut: true,
    stream: options.stream ?? true,
    // The SDK's minimum; the polling tests that wait for a poll take this long.
    pollInterval: 30,
    streamInitialReconnectDelay: 0.1,
    logger: basicLogger({ level: 'none' }),
  });
}

/** Resolves with the next `update` event for `key`; rejects after `timeoutMs`. */
export function nextUpdate(client: LDClient, key: string, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('update', listener);
      reject(new Error(`no update for ${key} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (change: { key: string }) => {
      if (change.key !== key) return;
      clearTimeout(timer);
      client.off('update', listener);
      resolve();
    };
    client.on('update', listener);
  });
}

export const user = (key: string, attributes: Record<string, unknown> = {}) => ({
  kind: 'user',
  key,
  ...attributes,
});

/** One SSE event as read off the wire (comments are `event: 'comment'`). */
export interface WireEvent {
  readonly event: string;
  readonly data: string;
}

/** Reads `/all` as raw text and parses events and comments as they arrive. */
export async function rawStream(base: string, authorization: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/all`, { headers: { authorization }, signal: controller.signal });
  const events: WireEvent[] = [];
  let buffer = '';
  let ended = false;
  const reading = (async () => {
    if (res.body === null) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) events.push({ event: 'comment', data: block.slice(1) });
          else {
            const name = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
            const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
            events.push({ event: name, data });
          }
        }
      }
    } catch {
      // Aborted by the test, or cut off by the server.
    }
    ended = true;
  })();
  return {
    res,
    events,
    /** Whether the server ended the stream (or the test closed it). */
    get ended() {
      return ended;
    },
    async until(predicate: (events: readonly WireEvent[]) => boolean, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline)
          throw new Error(`stream: condition not met; got ${JSON.stringify(events.map((e) => e.event))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

/** Polls until `check` holds (for effects a test cannot await directly). */
export async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
