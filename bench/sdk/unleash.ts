import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { type PostgresCluster, startPostgresCluster } from '../../test/helpers/postgres-cluster.js';

/**
 * Unleash 7.5.1 beside Switchboard, for the polling comparison: installed from npm at bench
 * time into a folder under the system temp directory (not a project dependency; reused by the
 * next run), started against a throwaway PostgreSQL cluster, seeded through its admin API.
 */

export const UNLEASH_VERSION = '7.5.1';
export const UNLEASH_ADMIN_TOKEN = '*:*.switchboard-bench-admin-0123456789';
const ADMIN_TOKEN = UNLEASH_ADMIN_TOKEN;
/** A backend (server SDK) token for the default project and environment. */
export const UNLEASH_CLIENT_TOKEN = 'default:development.switchboard-bench-client-0123456789';

function installDir(): string {
  const dir = join(tmpdir(), `switchboard-bench-unleash-${UNLEASH_VERSION}`);
  const manifest = join(dir, 'node_modules/unleash-server/package.json');
  if (
    existsSync(manifest) &&
    (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version === UNLEASH_VERSION
  ) {
    return dir;
  }
  console.log(`  installing unleash-server@${UNLEASH_VERSION} into ${dir} (about 30 s)`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name":"switchboard-bench-unleash","private":true}\n');
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', `unleash-server@${UNLEASH_VERSION}`],
    {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return dir;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export class UnleashProcess {
  private tail = '';
  private stopped = false;

  private constructor(
    private readonly child: ChildProcess,
    /** Stopped with Unleash when it was started for it alone. */
    private readonly ownCluster: PostgresCluster | undefined,
    readonly baseUrl: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString()).slice(-8_192);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /**
   * On a throwaway cluster of its own, or in a fresh `database` of `shared` (the delivery bench
   * runs Unleash and Switchboard on the same PostgreSQL), which is left running at `stop`.
   */
  static async start(shared?: PostgresCluster, database = 'unleash'): Promise<UnleashProcess> {
    const dir = installDir();
    const cluster = shared ?? (await startPostgresCluster());
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`create database ${database}`);
    await admin.end();
    const port = await freePort();
    const child = spawn(process.execPath, ['node_modules/unleash-server/dist/server.js'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TZ: 'UTC', // as unleash-server's own start script
        NODE_ENV: 'production',
        DATABASE_URL: cluster.url.replace(/\/postgres$/, `/${database}`),
        DATABASE_SSL: 'false',
        HTTP_HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        CHECK_VERSION: 'false',
        SEND_TELEMETRY: 'false',
        INIT_ADMIN_API_TOKENS: ADMIN_TOKEN,
        INIT_BACKEND_API_TOKENS: UNLEASH_CLIENT_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const unleash = new UnleashProcess(
      child,
      shared === undefined ? cluster : undefined,
      `http://127.0.0.1:${port}`,
    );
    try {
      await unleash.waitUntilReady(120_000);
    } catch (error) {
      await unleash.stop();
      throw error;
    }
    return unleash;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /**
   * `flags` release flags in the default project, each with a strategy in `development`
   * carrying one constraint (the counterpart of the targeting rule each Switchboard flag has).
   */
  async seed(flags: number): Promise<void> {
    const pool = new Pool(this.baseUrl, { connections: 8 });
    const call = async (path: string, body: unknown) => {
      const res = await pool.request({
        method: 'POST',
        path: `/api/admin/projects/default${path}`,
        headers: { authorization: ADMIN_TOKEN, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`Unleash POST ${path}: ${res.statusCode} ${text}`);
    };
    let next = 0;
    try {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = next++; i < flags; i = next++) {
            await call('/features', { name: `flag-${i}`, type: 'release', description: `Flag ${i}` });
            await call(`/features/flag-${i}/environments/development/strategies`, {
              name: 'flexibleRollout',
              parameters: { rollout: '100', stickiness: 'default', groupId: `flag-${i}` },
              constraints: [
                {
                  contextName: 'userId',
                  operator: 'STR_ENDS_WITH',
                  values: ['@example.com'],
                  inverted: false,
                  caseInsensitive: false,
                },
              ],
            });
          }
        }),
      );
    } finally {
      await pool.close();
    }
  }

  /** Ends Unleash and removes its own database cluster; a second call does nothing. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.child.exitCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    this.ownCluster?.stop();
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null)
        throw new Error(`unleash exited with ${this.child.exitCode}:\n${this.tail}`);
      try {
        const res = await fetch(`${this.baseUrl}/health`);
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // Not listening yet (it runs its migrations first).
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`unleash was not ready within ${timeoutMs} ms:\n${this.tail}`);
  }
}
