import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runServerToExit, startServerProcess } from '../helpers/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A port nobody listens on now: the metrics port must be known before the process starts. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function call(baseUrl: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('the server process over real HTTP', () => {
  it('first start prints the owner credentials once, serves the API, shuts down on SIGTERM, and keeps its data', async () => {
    const metricsPort = await freePort();
    const env = {
      SWITCHBOARD_DATABASE_URL: `sqlite:${join(dir, 'data', 'switchboard.db')}`,
      SWITCHBOARD_METRICS_PORT: String(metricsPort),
    };
    const first = await startServerProcess(env);
    const token = /access token: (api-\S+)/.exec(first.stdout())?.[1];
    const password = /password: +(\S+)/.exec(first.stdout())?.[1];
    expect(token).toBeDefined();
    expect(password).toBeDefined();

    expect((await fetch(`${first.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${first.baseUrl}/readyz`)).status).toBe(200);
    expect((await call(first.baseUrl, 'wrong', 'GET', '/api/v2/projects')).status).toBe(401);
    const created = await call(first.baseUrl, token!, 'POST', '/api/v2/projects', {
      key: 'default',
      name: 'Default',
    });
    expect(created.status).toBe(201);
    // PORT=0 and no SWITCHBOARD_BASE_URL: links others read (audit entries, notifications) point
    // at the port the server actually bound; an invitation link, shown to the inviter only,
    // follows the address the inviter came by (issue 20), here 127.0.0.1 on that port.
    const port = new URL(first.baseUrl).port;
    const invited = await call(first.baseUrl, token!, 'POST', '/api/v2/members', [
      { email: 'new@example.com' },
    ]);
    expect(invited.body.items[0]._inviteUrl).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${port}/accept-invitation#`),
    );
    const audit = JSON.stringify((await call(first.baseUrl, token!, 'GET', '/api/v2/auditlog?limit=2')).body);
    expect(audit).toContain(`http://localhost:${port}/settings/projects/default`);
    expect(audit).not.toContain('127.0.0.1');

    // Metrics are on their own port (bound to HOST), and only there.
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toContain('switchboard_http_request_duration_seconds_bucket');
    expect(metrics).toMatch(/switchboard_audit_entries_total \d+/);
    expect((await fetch(`${first.baseUrl}/metrics`)).status).toBe(404);

    expect(await first.stop('SIGTERM')).toBe(0);
    // Secrets are never logged: only the one-time banner carries them.
    const logLines = first
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(logLines.join('\n')).not.toContain(token!);
    expect(logLines.join('\n')).not.toContain(password!);
    // The data directory holds the generated key, readable by the owner only.
    expect(readFileSync(join(dir, 'data', 'secret.key'), 'utf8').trim()).toMatch(/^[A-Za-z0-9+/=]{44}$/);

    const second = await startServerProcess(env);
    try {
      expect(second.stdout()).not.toContain('access token');
      const project = await call(
        second.baseUrl,
        token!,
        'GET',
        '/api/v2/projects/default?expand=environments',
      );
      expect(project.status).toBe(200);
      expect(project.body.environments.items).toHaveLength(2);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('a bad configuration value stops start-up with one line naming the variable', async () => {
    const result = await runServerToExit({ SWITCHBOARD_DATABASE_URL: 'sqlite::memory:', PORT: 'eighty' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'switchboard: configuration error: PORT: expected a whole number, got "eighty"',
    );
  });
});
