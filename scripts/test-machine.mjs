#!/usr/bin/env node
/**
 * `npm test` runs this first: the browser suites drive Chromium at /usr/bin/chromium and the
 * PostgreSQL suites start a throwaway cluster with initdb/pg_ctl/postgres (test/e2e/e2e-setup.ts,
 * test/helpers/postgres-cluster.ts). On a fresh machine they would fail ten minutes in, and the
 * PostgreSQL half would never run; here they are installed up front when we may (root with
 * apt-get, as CI is), otherwise we stop before running anything with one line saying what to install.
 *
 * Arguments name what to check: `chromium`, `postgres` (default: both).
 * The machine it looks at can be pointed elsewhere, for scripts/test-machine's own test:
 *   PATH                                 where initdb, pg_ctl, postgres and apt-get are looked up
 *   SWITCHBOARD_TEST_MACHINE_CHROMIUM    the browser the tests launch (default /usr/bin/chromium)
 *   SWITCHBOARD_TEST_MACHINE_PG_LIB      Debian's versioned PostgreSQL folders (default /usr/lib/postgresql)
 *   SWITCHBOARD_TEST_MACHINE_UID         the user id (default: this process's)
 *   SWITCHBOARD_TEST_MACHINE_PASSWD      the user database (default /etc/passwd)
 * SWITCHBOARD_TEST_DATABASE_URL (a PostgreSQL of your own) makes a local PostgreSQL unnecessary.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const env = process.env;
const chromiumPath = env.SWITCHBOARD_TEST_MACHINE_CHROMIUM ?? '/usr/bin/chromium';
const postgresLib = env.SWITCHBOARD_TEST_MACHINE_PG_LIB ?? '/usr/lib/postgresql';
const passwdPath = env.SWITCHBOARD_TEST_MACHINE_PASSWD ?? '/etc/passwd';
const uid =
  env.SWITCHBOARD_TEST_MACHINE_UID === undefined
    ? process.getuid?.()
    : Number(env.SWITCHBOARD_TEST_MACHINE_UID);
const postgresTools = ['initdb', 'pg_ctl', 'postgres'];

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Like `command -v`, without a shell. */
function onPath(name) {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, name)));
}

/** On PATH, or in Debian's /usr/lib/postgresql/<version>/bin as postgres-cluster.ts looks for it. */
function postgresTool(name) {
  if (onPath(name)) return true;
  const versions = existsSync(postgresLib) ? readdirSync(postgresLib) : [];
  return versions.some((version) => isExecutable(join(postgresLib, version, 'bin', name)));
}

function hasUser(name) {
  try {
    return readFileSync(passwdPath, 'utf8')
      .split('\n')
      .some((line) => line.startsWith(`${name}:`));
  } catch {
    return false;
  }
}

/** What is missing, each with the Debian package that brings it. */
function missing(wanted) {
  const gaps = [];
  if (wanted.has('chromium') && !isExecutable(chromiumPath)) {
    gaps.push({ what: `Chromium (${chromiumPath})`, pkg: 'chromium' });
  }
  if (wanted.has('postgres') && env.SWITCHBOARD_TEST_DATABASE_URL === undefined) {
    const tools = postgresTools.filter((name) => !postgresTool(name));
    if (tools.length > 0) gaps.push({ what: `PostgreSQL (${tools.join(', ')})`, pkg: 'postgresql' });
    // As root the cluster runs as the `postgres` user (PostgreSQL refuses root); the package creates it.
    else if (uid === 0 && !hasUser('postgres')) {
      gaps.push({ what: 'the postgres OS user (PostgreSQL will not run as root)', pkg: 'postgresql' });
    }
  }
  return gaps;
}

/** The one line a contributor needs, then exit before any test runs. `why` follows "which". */
function stop(gaps, why) {
  const packages = [...new Set(gaps.map((gap) => gap.pkg))].join(' ');
  const alternative = gaps.some((gap) => gap.pkg === 'postgresql')
    ? '; or set SWITCHBOARD_TEST_DATABASE_URL to a PostgreSQL superuser URL of your own'
    : '';
  console.error(
    `npm test needs ${gaps.map((gap) => gap.what).join(' and ')}, which ${why(gaps.length === 1)}: ` +
      `install ${packages} (Debian/Ubuntu: \`sudo apt-get install -y ${packages}\`)${alternative}.`,
  );
  process.exit(1);
}

function aptGet(args) {
  const result = spawnSync('apt-get', args, {
    stdio: 'inherit',
    env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

const named = process.argv.slice(2);
for (const name of named) {
  if (name !== 'chromium' && name !== 'postgres') {
    console.error(`test-machine: unknown check "${name}" (known: chromium, postgres)`);
    process.exit(2);
  }
}
const wanted = new Set(named.length > 0 ? named : ['chromium', 'postgres']);

const gaps = missing(wanted);
if (gaps.length > 0) {
  if (uid !== 0) stop(gaps, (one) => (one ? 'is missing' : 'are missing'));
  if (!onPath('apt-get'))
    stop(
      gaps,
      (one) => `${one ? 'is' : 'are'} missing, with no apt-get here to install ${one ? 'it' : 'them'}`,
    );
  const packages = [...new Set(gaps.map((gap) => gap.pkg))];
  console.log(
    `test-machine: missing ${gaps.map((gap) => gap.what).join(' and ')}: apt-get install ${packages.join(' ')}`,
  );
  if (aptGet(['update', '-qq'])) aptGet(['install', '-y', '-qq', ...packages]);
  const left = missing(wanted);
  if (left.length > 0) stop(left, () => 'apt-get did not install');
}
