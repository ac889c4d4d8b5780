import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import pg from 'pg';
import { type BuildOptions, buildSwitchboard, type Switchboard } from '../../src/composition-root.js';
import { loadConfig } from '../../src/config/config.js';
import { documentTables } from '../../src/db/schema.js';

export const adminToken = 'api-test-admin-token-0123456789abcdef';

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  body: any;
  headers: Record<string, unknown>;
}

export interface TestSwitchboard {
  readonly switchboard: Switchboard;
  readonly dir: string;
  readonly dbFile: string;
  api(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  /** Waits until the outbox has no pending delivery left (every one sent, dead or dropped). */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Which engine the suite runs on: `SWITCHBOARD_TEST_DIALECT=postgres` (see vitest.postgres.config.ts). */
export const testDialect: 'sqlite' | 'postgres' =
  process.env.SWITCHBOARD_TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';

/** A fresh, empty database on the test cluster, dropped again by the returned function. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = process.env.SWITCHBOARD_TEST_DATABASE_URL;
  if (admin === undefined)
    throw new Error('SWITCHBOARD_TEST_DATABASE_URL is not set (run through vitest.postgres.config.ts)');
  const name = `sb_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client(admin);
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client(admin);
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * A Switchboard on a real database, called in-process: a SQLite file in a fresh temporary
 * directory, or a fresh PostgreSQL database when the suite runs on PostgreSQL.
 */
export async function startTestSwitchboard(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<TestSwitchboard> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const dbFile = join(dir, 'switchboard.db');
  const postgres = testDialect === 'postgres' ? await freshPostgresDatabase() : undefined;
  const config = loadConfig({
    SWITCHBOARD_DATABASE_URL: postgres?.url ?? `sqlite:${dbFile}`,
    SWITCHBOARD_SECRET_KEY: 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=',
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    SWITCHBOARD_ADMIN_EMAIL: 'ariel@acme.com',
    SWITCHBOARD_ADMIN_PASSWORD: 'correct horse battery',
    SWITCHBOARD_BASE_URL: 'https://flags.example.com',
    ...env,
  });
  // In-process tests deliver from the API's event loop unless they ask for the thread: from the
  // TypeScript sources each thread loads tsx and compiles the delivery code anew (about a second
  // per Switchboard). delivery-thread.test.ts, and every test that runs the built server
  // (test/system, test/e2e), deliver from the thread, as a SQLite file in production does.
  const switchboard = await buildSwitchboard(config, { deliveryThread: false, ...options });
  return {
    switchboard,
    dir,
    dbFile,
    async api(method, url, body, headers = {}) {
      const response = await switchboard.app.inject({
        method,
        url,
        headers: { authorization: adminToken, ...headers },
        ...(body === undefined
          ? {}
          : typeof body === 'string'
            ? { payload: body }
            : { payload: body as object }),
      });
      const text = response.body;
      return {
        status: response.statusCode,
        body:
          text === ''
            ? undefined
            : response.headers['content-type']?.toString().includes('json')
              ? JSON.parse(text)
              : text,
        headers: response.headers,
      };
    },
    async settle(timeoutMs = 10_000) {
      const { db } = switchboard.database;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const pending = await db
          .selectFrom('deliveries')
          .select('id')
          .where('status', '=', 'pending')
          .execute();
        if (pending.length === 0) return;
        if (Date.now() > deadline) throw new Error(`${pending.length} deliveries still pending`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await switchboard.close();
      await postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every table's rows, to prove that a rejected request changed nothing. */
export async function snapshot(t: TestSwitchboard): Promise<string> {
  const { db } = t.switchboard.database;
  const tables = [...documentTables, 'audit_entries'] as const;
  const parts: unknown[] = [];
  // Sorted, so that PostgreSQL (which returns rows in any order) compares equal too.
  for (const table of tables) {
    const rows = await db.selectFrom(table).selectAll().execute();
    parts.push(rows.map((r) => JSON.stringify(r)).sort());
  }
  return JSON.stringify(parts);
}
