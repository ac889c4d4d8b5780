import { afterEach, describe, expect, it } from 'vitest';
import { adminToken, startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * Issue #13, finding 13: `/metrics` answered anyone who could reach the API port, telling them
 * the routes, their traffic and error rates, and the process's memory and event-loop health.
 */
const metricsToken = 'metrics-scraper-token-0123456789';

const started: TestSwitchboard[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((t) => t.close()));
});

async function start(env: Record<string, string> = {}): Promise<TestSwitchboard> {
  const t = await startTestSwitchboard(env);
  started.push(t);
  return t;
}

async function scrape(t: TestSwitchboard, authorization?: string) {
  const response = await t.switchboard.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: authorization === undefined ? {} : { authorization },
  });
  return { status: response.statusCode, body: response.body };
}

describe('/metrics exposure', () => {
  it('an anonymous caller of the API port reads no metrics, whatever the configuration', async () => {
    // Neither variable set: metrics are off, so there is nothing to read.
    const plain = await start();
    const open = await scrape(plain);
    expect(open.status).toBe(404);
    expect(open.body).not.toContain('switchboard_');

    // With a token: no token, a wrong one, another scheme, or an API access token is not enough.
    const guarded = await start({ SWITCHBOARD_METRICS_TOKEN: metricsToken });
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789abcdef',
      `Bearer ${metricsToken}x`,
      `Basic ${metricsToken}`,
      metricsToken,
      adminToken,
      `Bearer ${adminToken}`,
    ]) {
      const denied = await scrape(guarded, authorization);
      expect(denied.status, String(authorization)).toBe(401);
      expect(denied.body).not.toContain('switchboard_');
    }

    // With a metrics port: the API port no longer serves them, even with the token.
    const separate = await start({ SWITCHBOARD_METRICS_PORT: '0', SWITCHBOARD_METRICS_TOKEN: metricsToken });
    expect((await scrape(separate, `Bearer ${metricsToken}`)).status).toBe(404);
  });

  it('the configured scraper still reads them: with the bearer token, or on the metrics port', async () => {
    const guarded = await start({ SWITCHBOARD_METRICS_TOKEN: metricsToken });
    const read = await scrape(guarded, `bearer ${metricsToken}`);
    expect(read.status).toBe(200);
    expect(read.body).toContain('switchboard_http_request_duration_seconds');

    const separate = await start({ SWITCHBOARD_METRICS_PORT: '0' });
    const metricsApp = separate.switchboard.metricsApp;
    expect(metricsApp).toBeDefined();
    const onItsPort = await metricsApp!.inject({ method: 'GET', url: '/metrics' });
    expect(onItsPort.statusCode).toBe(200);
    expect(onItsPort.body).toContain('switchboard_audit_entries_total');
    // The metrics port serves metrics and nothing else.
    expect((await metricsApp!.inject({ method: 'GET', url: '/api/v2/projects' })).statusCode).toBe(404);

    // Both set: the metrics port wants the token too.
    const both = await start({ SWITCHBOARD_METRICS_PORT: '0', SWITCHBOARD_METRICS_TOKEN: metricsToken });
    const bothApp = both.switchboard.metricsApp!;
    expect((await bothApp.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const withToken = await bothApp.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    expect(withToken.statusCode).toBe(200);
  });
});
