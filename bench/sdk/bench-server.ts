import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'undici';
import { compileServer, SwitchboardProcess } from '../delivery/switchboard-process.js';

/** What the SDK benches share: their heading, options, the server they start and REST calls to it. */

/** The bench's title, then the machine, Node and the load average it starts under. */
export function printBenchHeading(title: string): void {
  const cpu = cpus();
  console.log(`# ${title} — ${new Date().toISOString()} (the built server, SQLite)`);
  console.log(
    `node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
}

/** The value of `--name=value` among the options, if given. */
export function option(options: readonly string[], name: string): string | undefined {
  return options.find((o) => o.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** The built server (as `npm start` runs it) on a SQLite file in `dir`, with `token` as admin. */
export function startBenchServer(dir: string, token: string, probeDir?: string): Promise<SwitchboardProcess> {
  compileServer();
  return SwitchboardProcess.start({
    entry: 'built',
    probeDir,
    env: {
      SWITCHBOARD_DATABASE_URL: `sqlite:${join(dir, 'sb.db')}`,
      SWITCHBOARD_ADMIN_TOKEN: token,
      SWITCHBOARD_SECRET_KEY: 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=',
      LOG_LEVEL: 'warn',
    },
  });
}

/** A REST call with the admin token; anything but a 2xx fails the bench. */
export async function restCall(
  pool: Pool,
  token: string,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await pool.request({
    method,
    path: `/api/v2${path}`,
    headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}
