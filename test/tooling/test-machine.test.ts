import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * scripts/test-machine.mjs, run as `npm test` runs it, against a machine made up in a temporary
 * folder: a PATH of our own, a Chromium path, a /usr/lib/postgresql and a passwd file. apt-get is
 * a shell script that logs its arguments and, when asked to install, puts the files in place.
 */
const script = fileURLToPath(new URL('../../scripts/test-machine.mjs', import.meta.url));

interface Machine {
  readonly dir: string;
  readonly bin: string;
  readonly chromium: string;
  readonly pgLib: string;
  readonly passwd: string;
  readonly aptLog: string;
}

const machines: string[] = [];
afterEach(() => {
  for (const dir of machines.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function emptyMachine(): Machine {
  const dir = mkdtempSync(join(tmpdir(), 'test-machine-'));
  machines.push(dir);
  const machine = {
    dir,
    bin: join(dir, 'bin'),
    chromium: join(dir, 'usr', 'bin', 'chromium'),
    pgLib: join(dir, 'usr', 'lib', 'postgresql'),
    passwd: join(dir, 'passwd'),
    aptLog: join(dir, 'apt.log'),
  };
  mkdirSync(machine.bin, { recursive: true });
  writeFileSync(machine.passwd, 'root:x:0:0:root:/root:/bin/bash\n');
  return machine;
}

function executable(path: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, 0o755);
}

function installChromium(machine: Machine): void {
  executable(machine.chromium);
}

/** As Debian's package does: versioned binaries and the postgres user. */
function installPostgres(machine: Machine): void {
  for (const tool of ['initdb', 'pg_ctl', 'postgres']) executable(join(machine.pgLib, '16', 'bin', tool));
  writeFileSync(machine.passwd, 'postgres:x:101:104::/var/lib/postgresql:/bin/bash\n', { flag: 'a' });
}

/** A fake apt-get on the machine's PATH; `works: false` exits 100 on install, as apt-get does. */
function aptGet(machine: Machine, works = true): void {
  const pg = join(machine.pgLib, '16', 'bin');
  const install = works
    ? [
        `case " $* " in *" chromium "*) /bin/mkdir -p '${join(machine.chromium, '..')}'; : > '${machine.chromium}'; /bin/chmod 755 '${machine.chromium}';; esac`,
        `case " $* " in *" postgresql "*) /bin/mkdir -p '${pg}'; for t in initdb pg_ctl postgres; do : > '${pg}'/$t; /bin/chmod 755 '${pg}'/$t; done; echo 'postgres:x:101:104::/var/lib/postgresql:/bin/bash' >> '${machine.passwd}';; esac`,
      ]
    : ['[ "$1" = install ] && exit 100'];
  const path = join(machine.bin, 'apt-get');
  writeFileSync(path, ['#!/bin/sh', `echo "$*" >> '${machine.aptLog}'`, ...install, 'exit 0', ''].join('\n'));
  chmodSync(path, 0o755);
}

function run(machine: Machine, options: { uid: number; args?: string[]; env?: Record<string, string> }) {
  const result = spawnSync(process.execPath, [script, ...(options.args ?? [])], {
    encoding: 'utf8',
    env: {
      PATH: machine.bin,
      SWITCHBOARD_TEST_MACHINE_CHROMIUM: machine.chromium,
      SWITCHBOARD_TEST_MACHINE_PG_LIB: machine.pgLib,
      SWITCHBOARD_TEST_MACHINE_PASSWD: machine.passwd,
      SWITCHBOARD_TEST_MACHINE_UID: String(options.uid),
      ...options.env,
    },
  });
  const aptCalls = existsSync(machine.aptLog) ? readFileSync(machine.aptLog, 'utf8').trim().split('\n') : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, aptCalls };
}

describe('scripts/test-machine.mjs (what npm test runs first)', () => {
  it('says nothing and installs nothing when Chromium and PostgreSQL are there', () => {
    const machine = emptyMachine();
    installChromium(machine);
    installPostgres(machine);
    aptGet(machine);
    const result = run(machine, { uid: 0 });
    expect(result).toMatchObject({ status: 0, stdout: '', stderr: '', aptCalls: [] });
  });

  it('finds the PostgreSQL tools on PATH as well as under /usr/lib/postgresql/<version>/bin', () => {
    const machine = emptyMachine();
    installChromium(machine);
    for (const tool of ['initdb', 'pg_ctl', 'postgres']) executable(join(machine.bin, tool));
    expect(run(machine, { uid: 1000 }).status).toBe(0);
  });

  it('as a user without root, stops before any test with one line saying what to install', () => {
    const machine = emptyMachine();
    aptGet(machine);
    const result = run(machine, { uid: 1000 });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Chromium (${machine.chromium})`);
    expect(lines[0]).toContain('PostgreSQL (initdb, pg_ctl, postgres)');
    expect(lines[0]).toContain('sudo apt-get install -y chromium postgresql');
    expect(lines[0]).toContain('SWITCHBOARD_TEST_DATABASE_URL');
    expect(result.aptCalls).toEqual([]);
  });

  it('names only the tools that are missing', () => {
    const machine = emptyMachine();
    installChromium(machine);
    executable(join(machine.pgLib, '15', 'bin', 'initdb'));
    executable(join(machine.bin, 'postgres'));
    const result = run(machine, { uid: 1000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('needs PostgreSQL (pg_ctl), which is missing');
    expect(result.stderr).not.toContain('Chromium');
  });

  it('as root with apt-get, installs what is missing and lets the tests run', () => {
    const machine = emptyMachine();
    aptGet(machine);
    const result = run(machine, { uid: 0 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.aptCalls).toEqual(['update -qq', 'install -y -qq chromium postgresql']);
    expect(result.stdout).toContain('apt-get install chromium postgresql');
    expect(existsSync(machine.chromium)).toBe(true);
  });

  it('as root, installs only the package that is missing', () => {
    const machine = emptyMachine();
    installPostgres(machine);
    aptGet(machine);
    const result = run(machine, { uid: 0 });
    expect(result.status).toBe(0);
    expect(result.aptCalls).toEqual(['update -qq', 'install -y -qq chromium']);
  });

  it('as root, installs PostgreSQL when its binaries are there but the postgres user is not', () => {
    const machine = emptyMachine();
    installChromium(machine);
    for (const tool of ['initdb', 'pg_ctl', 'postgres']) executable(join(machine.bin, tool));
    aptGet(machine);
    const result = run(machine, { uid: 0 });
    expect(result.status).toBe(0);
    expect(result.aptCalls).toEqual(['update -qq', 'install -y -qq postgresql']);
  });

  it('as root without apt-get, stops with one line', () => {
    const machine = emptyMachine();
    installPostgres(machine);
    const result = run(machine, { uid: 0 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `npm test needs Chromium (${machine.chromium}), which is missing, with no apt-get here to install it: ` +
        'install chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`).',
    ]);
  });

  it('stops with one line when apt-get fails to install', () => {
    const machine = emptyMachine();
    installChromium(machine);
    aptGet(machine, false);
    const result = run(machine, { uid: 0 });
    expect(result.status).toBe(1);
    expect(result.aptCalls).toEqual(['update -qq', 'install -y -qq postgresql']);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('PostgreSQL (initdb, pg_ctl, postgres), which apt-get did not install');
  });

  it('needs no local PostgreSQL when SWITCHBOARD_TEST_DATABASE_URL points at one', () => {
    const machine = emptyMachine();
    installChromium(machine);
    const env = { SWITCHBOARD_TEST_DATABASE_URL: 'postgres://postgres@db.example:5432/postgres' };
    expect(run(machine, { uid: 1000, env }).status).toBe(0);
  });

  it('checks only what it is asked to: `chromium` for the SQLite half, `postgres` for the other', () => {
    const machine = emptyMachine();
    installChromium(machine);
    expect(run(machine, { uid: 1000, args: ['chromium'] }).status).toBe(0);
    const postgres = run(machine, { uid: 1000, args: ['postgres'] });
    expect(postgres.status).toBe(1);
    expect(postgres.stderr).toContain('PostgreSQL');
    expect(run(machine, { uid: 1000, args: ['chrome'] }).status).toBe(2);
  });
});
