import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const root = fileURLToPath(new URL('../..', import.meta.url));
const keptOutput = 16 * 1024;

/**
 * What every delivery bench gives Switchboard beside its database: the fake HipChat at `url`,
 * its limits off (the bench measures Switchboard, not HipChat's pacing), private targets
 * allowed, and warn-level logs (info logs two lines per request).
 */
export function benchFakeHipChatEnv(url: string): Record<string, string> {
  return {
    SWITCHBOARD_HIPCHAT_URL: url,
    SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
    SWITCHBOARD_HIPCHAT_ROOM_RATE: '0',
    SWITCHBOARD_HIPCHAT_TOKEN_RATE: '0',
    LOG_LEVEL: 'warn',
  };
}

export interface SwitchboardProcessOptions {
  readonly env: Readonly<Record<string, string>>;
  /**
   * `tsx` runs `src/main.ts` through tsx, as the tests do; `built` runs `dist/src/main.js` from
   * `npm run build`, as `npm start` does (tsx's compiler and source maps add about 40 MB of RSS).
   */
  readonly entry?: 'tsx' | 'built';
  /** Loads `server-probe.mjs` into the server, writing its profiles and SQL counts here. */
  readonly probeDir?: string | undefined;
  readonly timeoutMs?: number;
}

/** What one profiling window wrote (see `server-probe.mjs`). */
export interface ProfileFiles {
  readonly cpuProfile: string;
  readonly sql: string;
  readonly memory: string;
  /** The delivery thread's (SQLite), when there is one. */
  readonly thread?: { readonly cpuProfile: string; readonly sql: string };
}

/**
 * Switchboard as a real process, like `test/helpers/server-process.ts`, with what a benchmark
 * needs beside it: readiness by polling `/readyz` (so any LOG_LEVEL works, not only the one
 * that prints the listen line), an optional probe that profiles a chosen window (Node 20 refuses
 * `--cpu-prof` in NODE_OPTIONS, and that would profile start-up too), the bytes of log output
 * counted rather than kept, and the memory and CPU time of the process read from /proc.
 */
export class SwitchboardProcess {
  /** Bytes the server wrote to stdout and stderr (its logs). */
  logBytes = 0;
  private tail = '';
  private windows = 0;
  private lastCpuMs = Number.NaN;

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
    private readonly probeDir: string | undefined,
  ) {
    const keep = (chunk: Buffer) => {
      this.logBytes += chunk.length;
      this.tail = (this.tail + chunk.toString()).slice(-keptOutput);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(options: SwitchboardProcessOptions): Promise<SwitchboardProcess> {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const built = options.entry === 'built';
    if (built && !existsSync(join(root, 'dist/src/main.js'))) {
      throw new Error('dist/src/main.js not found: run compileServer() (or `npm run build`) first');
    }
    const probe = options.probeDir === undefined ? [] : ['--import', './bench/delivery/server-probe.mjs'];
    // The probe is plain JavaScript: a built server runs without tsx with or without it.
    const loader = built ? [] : ['--import', 'tsx'];
    const main = built ? 'dist/src/main.js' : 'src/main.ts';
    const child = spawn(process.execPath, [...startFlags(), ...loader, ...probe, main], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(port),
        SWITCHBOARD_BASE_URL: baseUrl,
        ...options.env,
        ...(options.probeDir === undefined ? {} : { SWITCHBOARD_BENCH_PROBE_DIR: options.probeDir }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new SwitchboardProcess(child, baseUrl, options.probeDir);
    await server.waitUntilReady(options.timeoutMs ?? 20_000);
    return server;
  }

  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error('the server process has no pid');
    return pid;
  }

  /** Last lines the server wrote, for error messages. */
  output(): string {
    return this.tail;
  }

  /** Resident memory now and its peak (VmHWM), in bytes; undefined once the process is gone. */
  memory(): { rss: number; peak: number } | undefined {
    let status: string;
    try {
      status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    } catch {
      return undefined;
    }
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
  }

  /**
   * CPU time (user + system) the process has used so far, in ms. Once it is gone, the last
   * reading: a phase that ends after an exit still gets a figure (NaN before).
   */
  cpuMs(): number {
    try {
      // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      this.lastCpuMs = (ticks * 1000) / 100; // USER_HZ is 100 on Linux
    } catch {
      // Gone: the last reading stands.
    }
    return this.lastCpuMs;
  }

  /** Starts a profiling window of the probe (see `server-probe.mjs`). */
  startProfile(): void {
    if (this.probeDir === undefined) throw new Error('started without a probe');
    this.child.kill('SIGUSR2');
  }

  /**
   * Ends the window; resolves with the paths of its CPU profile, SQL counts and memory, and the
   * delivery thread's profile and SQL counts when the server runs one.
   */
  async stopProfile(): Promise<ProfileFiles> {
    if (this.probeDir === undefined) throw new Error('started without a probe');
    this.windows++;
    const base = join(this.probeDir, `window-${this.windows}`);
    this.child.kill('SIGUSR2');
    const deadline = Date.now() + 30_000;
    while (!existsSync(`${base}.cpuprofile`)) {
      if (Date.now() > deadline) throw new Error(`no profile from the server:\n${this.tail}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const thread = { cpuProfile: `${base}.thread.cpuprofile`, sql: `${base}.thread.sql.json` };
    return {
      cpuProfile: `${base}.cpuprofile`,
      sql: `${base}.sql.json`,
      memory: `${base}.memory.json`,
      ...(existsSync(thread.cpuProfile) ? { thread } : {}),
    };
  }

  /** SIGTERM, then waits for the exit (which is when a CPU profile is written). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`switchboard exited with ${this.child.exitCode}:\n${this.tail}`);
      }
      try {
        const response = await request(`${this.baseUrl}/readyz`);
        await response.body.dump();
        if (response.statusCode === 200) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.stop();
    throw new Error(`switchboard was not ready within ${timeoutMs} ms:\n${this.tail}`);
  }
}

/** A port that was free a moment ago (the server binds it right after). */
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

/**
 * The node options of `npm start` (package.json's start script), so the benchmarked server
 * runs with the same heap settings as a started one, whichever entry it uses.
 */
export function startFlags(): string[] {
  const scripts = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts;
  const command = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/src\/main\.js/.exec(scripts.start);
  if (command === null)
    throw new Error('package.json: the start script no longer runs `node … dist/src/main.js`');
  return (command[1] ?? '')
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
}

/**
 * Compiles the server as `npm start` does (`tsc -p tsconfig.build.json`; the web UI is not
 * needed here), so a benchmark of the built server never measures a stale `dist/`.
 */
export function compileServer(): void {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
