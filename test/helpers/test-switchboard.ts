import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { buildSwitchboard, type Switchboard } from '../../src/composition-root.js';
import { loadConfig } from '../../src/config/config.js';

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
  close(): Promise<void>;
}

/** A Switchboard on a real SQLite file in a fresh temporary directory, called in-process. */
export async function startTestSwitchboard(env: Record<string, string> = {}): Promise<TestSwitchboard> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const dbFile = join(dir, 'switchboard.db');
  const config = loadConfig({
    SWITCHBOARD_DATABASE_URL: `sqlite:${dbFile}`,
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    SWITCHBOARD_ADMIN_EMAIL: 'ariel@acme.com',
    SWITCHBOARD_ADMIN_PASSWORD: 'correct horse battery',
    SWITCHBOARD_BASE_URL: 'https://flags.example.com',
    ...env,
  });
  const switchboard = await buildSwitchboard(config);
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
    async close() {
      await switchboard.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every table's rows, to prove that a rejected request changed nothing. */
export async function snapshot(t: TestSwitchboard): Promise<string> {
  const { db } = t.switchboard.database;
  const tables = [
    'projects',
    'environments',
    'flags',
    'segments',
    'metrics',
    'members',
    'access_tokens',
    'custom_roles',
    'audit_entries',
  ] as const;
  const parts: unknown[] = [];
  for (const table of tables) parts.push(await db.selectFrom(table).selectAll().execute());
  return JSON.stringify(parts);
}
