import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export type Role = 'all' | 'api' | 'worker';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  /** Directory for the SQLite file and the generated secret key; undefined on PostgreSQL. */
  readonly dataDir: string | undefined;
  readonly secretKey: Buffer;
  readonly baseUrl: string;
  /** True when `baseUrl` was derived from PORT (no SWITCHBOARD_BASE_URL): it follows the port bound. */
  readonly baseUrlFromPort: boolean;
  readonly adminToken: string | undefined;
  readonly adminEmail: string;
  readonly adminPassword: string | undefined;
  readonly hipchatUrl: string;
  readonly allowPrivateTargets: boolean;
  readonly role: Role;
  /** Seconds before each attempt of a delivery. */
  readonly retrySchedule: readonly number[];
  /** How long a failing queue head waits at most before its next try while deliveries wait behind it. */
  readonly blockedRetryCapMs: number;
  /** Sends a lane may have out whose records are not committed yet: what a crash may repeat. */
  readonly unrecordedWindow: number;
  readonly hipchatRoomRate: number;
  readonly hipchatTokenRate: number;
  /** Slack Web API base for bot-token integrations (`chat.postMessage`). */
  readonly slackApiUrl: string;
  /** Slack messages per second per channel Switchboard allows itself (0 = no throttle). */
  readonly slackChannelRate: number;
  /** Serve /metrics on this port (bound to `host`) instead of the API port; undefined: not. */
  readonly metricsPort: number | undefined;
  /** When set, /metrics wants `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  readonly logLevel: string;
  /**
   * REST API requests allowed per access token (or browser session) per ten-second window,
   * over all routes and on any one route (LaunchDarkly's `X-Ratelimit-*` windows); 0 = no limit.
   */
  readonly apiRateLimit: number;
  /** Finished deliveries and their attempts are deleted this many days after they finished; 0 = kept. */
  readonly deliveryRetentionDays: number;
  /** Audit entries are deleted this many days after their date, once no kept delivery names them; 0 = kept. */
  readonly auditRetentionDays: number;
  /**
   * PostgreSQL: every LISTEN connection must answer a check this often, within as long, or it
   * is opened again (a server or network gone silent closes nothing).
   */
  readonly listenCheckMs: number;
  /**
   * PostgreSQL: a pooled connection whose server has not answered a statement within this long
   * is closed and the statement fails (503); undefined = no limit. Migrations are not bounded.
   */
  readonly databaseTimeoutMs: number | undefined;
  /** PostgreSQL: connections each process keeps in its pool (LISTEN connections come on top). */
  readonly poolSize: number;
}

/** A configuration problem: the message names the variable and says what is wrong. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function str(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function httpUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a valid URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http:// or https:// URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** Accepts 32 bytes as base64 (44 chars) or hex (64 chars). */
export function parseSecretKey(name: string, raw: string): Buffer {
  const text = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) {
    throw new ConfigError(name, 'must be 32 bytes encoded as base64 (44 characters) or hex (64 characters)');
  }
  return key;
}

/**
 * With neither variable, /metrics is not served: the API port is what a reverse proxy publishes,
 * and a loopback HOST does not keep metrics private behind one.
 */
function metricsAccess(env: Env, port: number): Pick<Config, 'metricsPort' | 'metricsToken'> {
  const metricsPort =
    str(env, 'SWITCHBOARD_METRICS_PORT') === undefined
      ? undefined
      : integer(env, 'SWITCHBOARD_METRICS_PORT', 0, 0, 65535);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError('SWITCHBOARD_METRICS_PORT', `must differ from PORT (${port})`);
  }
  const metricsToken = str(env, 'SWITCHBOARD_METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 20) {
    throw new ConfigError('SWITCHBOARD_METRICS_TOKEN', 'must be at least 20 characters');
  }
  if (metricsToken !== undefined && !/^[\x21-\x7e]+$/.test(metricsToken)) {
    // It travels in a header, where anything else would be mangled or refused.
    throw new ConfigError('SWITCHBOARD_METRICS_TOKEN', 'must be printable ASCII without spaces');
  }
  return { metricsPort, metricsToken };
}

/** Days, or `off` (also `0`): finished deliveries are then kept for ever. */
function retentionDays(env: Env, name: string, fallback: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^off$/i.test(raw)) return 0;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a number of days or "off", got "${raw}"`);
  return integer(env, name, fallback, 0, 36_500);
}

function retrySchedule(env: Env): number[] {
  const name = 'SWITCHBOARD_RETRY_SCHEDULE';
  const raw = str(env, name) ?? '0,5,30,120,600,1800,3600';
  const parts = raw.split(',').map((p) => p.trim());
  const values = parts.map((p) => (/^\d+(\.\d+)?$/.test(p) ? Number(p) : Number.NaN));
  if (values.length === 0 || values.some((v) => Number.isNaN(v))) {
    throw new ConfigError(name, `expected comma-separated seconds such as "0,5,30", got "${raw}"`);
  }
  return values;
}

function seconds(env: Env, name: string, fallback: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw))
    throw new ConfigError(name, `expected seconds such as "5" or "0.5", got "${raw}"`);
  return Number(raw);
}

function listenCheck(env: Env): number {
  const name = 'SWITCHBOARD_LISTEN_CHECK';
  const value = seconds(env, name, 5);
  // Below 0.1 s a check would race its own answer on a busy machine.
  if (value < 0.1) throw new ConfigError(name, `must be at least 0.1 seconds, got ${value}`);
  return value * 1000;
}

function databaseTimeout(env: Env): number | undefined {
  const name = 'SWITCHBOARD_DATABASE_TIMEOUT';
  const value = seconds(env, name, 30);
  if (value === 0) return undefined;
  // Below a second an ordinary lock wait on a busy server would close connections.
  if (value < 1) throw new ConfigError(name, `must be 0 (no limit) or at least 1 second, got ${value}`);
  return value * 1000;
}

/**
 * The SQLite key lives beside the database so that a fresh `npm start` needs no setup; it is
 * written with mode 0600 because whoever reads it can decrypt every stored chat token.
 */
function loadOrCreateKeyFile(dataDir: string): Buffer {
  const path = join(dataDir, 'secret.key');
  if (existsSync(path)) return parseSecretKey(path, readFileSync(path, 'utf8'));
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = str(env, 'HOST') ?? '127.0.0.1';
  const databaseUrl = str(env, 'SWITCHBOARD_DATABASE_URL') ?? 'sqlite:./data/switchboard.db';
  let dataDir: string | undefined;
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file === '')
      throw new ConfigError(
        'SWITCHBOARD_DATABASE_URL',
        'sqlite: needs a file path, e.g. sqlite:./data/switchboard.db',
      );
    dataDir = file === ':memory:' ? undefined : dirname(resolve(file));
  } else if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      'SWITCHBOARD_DATABASE_URL',
      `expected sqlite:<path> or postgres://…, got "${databaseUrl}"`,
    );
  }

  const rawKey = str(env, 'SWITCHBOARD_SECRET_KEY');
  let secretKey: Buffer;
  if (rawKey !== undefined) {
    secretKey = parseSecretKey('SWITCHBOARD_SECRET_KEY', rawKey);
  } else if (dataDir !== undefined) {
    mkdirSync(dataDir, { recursive: true });
    secretKey = loadOrCreateKeyFile(dataDir);
  } else if (databaseUrl.startsWith('sqlite:')) {
    secretKey = randomBytes(32); // in-memory database: secrets die with the process anyway
  } else {
    throw new ConfigError('SWITCHBOARD_SECRET_KEY', 'is required with PostgreSQL (32 bytes, base64 or hex)');
  }

  const role = str(env, 'SWITCHBOARD_ROLE') ?? 'all';
  if (role !== 'all' && role !== 'api' && role !== 'worker') {
    throw new ConfigError('SWITCHBOARD_ROLE', `expected all, api or worker, got "${role}"`);
  }

  const adminToken = str(env, 'SWITCHBOARD_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 20) {
    throw new ConfigError('SWITCHBOARD_ADMIN_TOKEN', 'must be at least 20 characters');
  }
  const adminEmail = str(env, 'SWITCHBOARD_ADMIN_EMAIL') ?? 'admin@localhost';
  if (!/^[^\s@]+@[^\s@]+$/.test(adminEmail)) {
    throw new ConfigError('SWITCHBOARD_ADMIN_EMAIL', `not an email address: "${adminEmail}"`);
  }
  const adminPassword = str(env, 'SWITCHBOARD_ADMIN_PASSWORD');
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('SWITCHBOARD_ADMIN_PASSWORD', 'must be at least 8 characters');
  }

  return {
    port,
    host,
    databaseUrl,
    dataDir,
    secretKey,
    baseUrl: httpUrl('SWITCHBOARD_BASE_URL', str(env, 'SWITCHBOARD_BASE_URL') ?? `http://localhost:${port}`),
    baseUrlFromPort: str(env, 'SWITCHBOARD_BASE_URL') === undefined,
    adminToken,
    adminEmail,
    adminPassword,
    hipchatUrl: httpUrl(
      'SWITCHBOARD_HIPCHAT_URL',
      str(env, 'SWITCHBOARD_HIPCHAT_URL') ?? 'https://api.hipchat.com',
    ),
    allowPrivateTargets: bool(env, 'SWITCHBOARD_ALLOW_PRIVATE_TARGETS', false),
    role,
    retrySchedule: retrySchedule(env),
    blockedRetryCapMs: seconds(env, 'SWITCHBOARD_BLOCKED_RETRY_CAP', 5) * 1000,
    unrecordedWindow: integer(env, 'SWITCHBOARD_UNRECORDED_WINDOW', 16, 1, 256),
    hipchatRoomRate: integer(env, 'SWITCHBOARD_HIPCHAT_ROOM_RATE', 30, 0, 1_000_000),
    hipchatTokenRate: integer(env, 'SWITCHBOARD_HIPCHAT_TOKEN_RATE', 500, 0, 1_000_000),
    slackApiUrl: httpUrl(
      'SWITCHBOARD_SLACK_API_URL',
      str(env, 'SWITCHBOARD_SLACK_API_URL') ?? 'https://slack.com',
    ),
    slackChannelRate: integer(env, 'SWITCHBOARD_SLACK_CHANNEL_RATE', 1, 0, 1_000),
    ...metricsAccess(env, port),
    logLevel: str(env, 'LOG_LEVEL') ?? 'info',
    // The delivery bench toggles about 3,300 times a second with one token on a laptop; the
    // default leaves three times that, so it stops a runaway script, not a busy pipeline.
    apiRateLimit: integer(env, 'SWITCHBOARD_API_RATE_LIMIT', 100_000, 0, 100_000_000),
    deliveryRetentionDays: retentionDays(env, 'SWITCHBOARD_DELIVERY_RETENTION_DAYS', 30),
    auditRetentionDays: retentionDays(env, 'SWITCHBOARD_AUDIT_RETENTION_DAYS', 0),
    listenCheckMs: listenCheck(env),
    databaseTimeoutMs: databaseTimeout(env),
    poolSize: integer(env, 'SWITCHBOARD_DATABASE_POOL_SIZE', 10, 1, 1_000),
  };
}
