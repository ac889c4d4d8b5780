import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { defaultUnrecordedWindow } from '../src/features/delivery/delivery-worker.js';

function dataDir() {
  return mkdtempSync(join(tmpdir(), 'switchboard-config-'));
}

describe('loadConfig', () => {
  it('has working defaults for the embedded SQLite start', () => {
    const dir = dataDir();
    const config = loadConfig({ SWITCHBOARD_DATABASE_URL: `sqlite:${dir}/db.sqlite` });
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      baseUrl: 'http://localhost:8080',
      adminEmail: 'admin@localhost',
      hipchatUrl: 'https://api.hipchat.com',
      allowPrivateTargets: false,
      role: 'all',
      retrySchedule: [0, 5, 30, 120, 600, 1800, 3600],
      blockedRetryCapMs: 5000,
      unrecordedWindow: defaultUnrecordedWindow,
      hipchatRoomRate: 30,
      hipchatTokenRate: 500,
      metricsPort: undefined,
      metricsToken: undefined,
      apiRateLimit: 100_000,
      deliveryRetentionDays: 30,
    });
    expect(config.secretKey).toHaveLength(32);
    // Generated once into the data directory, readable by the owner only, and reused.
    const keyFile = join(dir, 'secret.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(
      loadConfig({ SWITCHBOARD_DATABASE_URL: `sqlite:${dir}/db.sqlite` }).secretKey.equals(config.secretKey),
    ).toBe(true);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(config.secretKey.toString('base64'));
  });

  it('reads every variable of the contract', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      SWITCHBOARD_DATABASE_URL: 'sqlite::memory:',
      SWITCHBOARD_SECRET_KEY: 'ab'.repeat(32),
      SWITCHBOARD_BASE_URL: 'https://flags.example.com/',
      SWITCHBOARD_ADMIN_TOKEN: 'api-0123456789abcdefghij',
      SWITCHBOARD_ADMIN_EMAIL: 'ops@example.com',
      SWITCHBOARD_ADMIN_PASSWORD: 'long enough',
      SWITCHBOARD_HIPCHAT_URL: 'https://hipchat.example.com',
      SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'true',
      SWITCHBOARD_ROLE: 'worker',
      SWITCHBOARD_RETRY_SCHEDULE: '0, 1,2',
      SWITCHBOARD_BLOCKED_RETRY_CAP: '0.5',
      SWITCHBOARD_UNRECORDED_WINDOW: '1',
      SWITCHBOARD_HIPCHAT_ROOM_RATE: '0',
      SWITCHBOARD_HIPCHAT_TOKEN_RATE: '100',
      SWITCHBOARD_METRICS_PORT: '9464',
      SWITCHBOARD_METRICS_TOKEN: 'metrics-0123456789abcdefghij',
      SWITCHBOARD_API_RATE_LIMIT: '0',
      SWITCHBOARD_DELIVERY_RETENTION_DAYS: '90',
      SWITCHBOARD_AUDIT_RETENTION_DAYS: '400',
      SWITCHBOARD_LISTEN_CHECK: '0.5',
      SWITCHBOARD_DATABASE_TIMEOUT: '2.5',
      SWITCHBOARD_DATABASE_POOL_SIZE: '4',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      baseUrl: 'https://flags.example.com',
      adminToken: 'api-0123456789abcdefghij',
      adminEmail: 'ops@example.com',
      allowPrivateTargets: true,
      role: 'worker',
      retrySchedule: [0, 1, 2],
      blockedRetryCapMs: 500,
      unrecordedWindow: 1,
      hipchatRoomRate: 0,
      hipchatTokenRate: 100,
      metricsPort: 9464,
      metricsToken: 'metrics-0123456789abcdefghij',
      apiRateLimit: 0,
      deliveryRetentionDays: 90,
      auditRetentionDays: 400,
      listenCheckMs: 500,
      databaseTimeoutMs: 2_500,
      poolSize: 4,
    });
    expect(config.secretKey.toString('hex')).toBe('ab'.repeat(32));
  });

  it('keeps finished deliveries for ever with a retention of "off" or 0', () => {
    for (const value of ['off', 'OFF', '0'])
      expect(
        loadConfig({
          SWITCHBOARD_DATABASE_URL: 'sqlite::memory:',
          SWITCHBOARD_DELIVERY_RETENTION_DAYS: value,
        }).deliveryRetentionDays,
      ).toBe(0);
  });

  it('keeps audit entries for ever unless SWITCHBOARD_AUDIT_RETENTION_DAYS says otherwise', () => {
    expect(loadConfig({ SWITCHBOARD_DATABASE_URL: 'sqlite::memory:' }).auditRetentionDays).toBe(0);
    for (const value of ['off', '0'])
      expect(
        loadConfig({ SWITCHBOARD_DATABASE_URL: 'sqlite::memory:', SWITCHBOARD_AUDIT_RETENTION_DAYS: value })
          .auditRetentionDays,
      ).toBe(0);
  });

  it('bounds how long a PostgreSQL statement waits for its answer: 30 s by default, no limit with 0', () => {
    expect(loadConfig({ SWITCHBOARD_DATABASE_URL: 'sqlite::memory:' })).toMatchObject({
      databaseTimeoutMs: 30_000,
      poolSize: 10,
    });
    expect(
      loadConfig({ SWITCHBOARD_DATABASE_URL: 'sqlite::memory:', SWITCHBOARD_DATABASE_TIMEOUT: '0' })
        .databaseTimeoutMs,
    ).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: expected a whole number, got "eighty"'],
    [{ PORT: '70000' }, 'PORT: must be between 0 and 65535, got 70000'],
    [
      { SWITCHBOARD_DATABASE_URL: 'mysql://x' },
      'SWITCHBOARD_DATABASE_URL: expected sqlite:<path> or postgres://…, got "mysql://x"',
    ],
    [{ SWITCHBOARD_SECRET_KEY: 'short' }, 'SWITCHBOARD_SECRET_KEY: must be 32 bytes'],
    [{ SWITCHBOARD_BASE_URL: 'flags.example.com' }, 'SWITCHBOARD_BASE_URL: not a valid URL'],
    [
      { SWITCHBOARD_ALLOW_PRIVATE_TARGETS: 'maybe' },
      'SWITCHBOARD_ALLOW_PRIVATE_TARGETS: expected true or false',
    ],
    [{ SWITCHBOARD_ROLE: 'both' }, 'SWITCHBOARD_ROLE: expected all, api or worker'],
    [{ SWITCHBOARD_RETRY_SCHEDULE: '0,5s' }, 'SWITCHBOARD_RETRY_SCHEDULE: expected comma-separated seconds'],
    [{ SWITCHBOARD_BLOCKED_RETRY_CAP: '5s' }, 'SWITCHBOARD_BLOCKED_RETRY_CAP: expected seconds such as "5"'],
    [
      { SWITCHBOARD_UNRECORDED_WINDOW: '0' },
      'SWITCHBOARD_UNRECORDED_WINDOW: must be between 1 and 256, got 0',
    ],
    [{ SWITCHBOARD_LISTEN_CHECK: '0' }, 'SWITCHBOARD_LISTEN_CHECK: must be at least 0.1 seconds, got 0'],
    [
      { SWITCHBOARD_DATABASE_TIMEOUT: '0.5' },
      'SWITCHBOARD_DATABASE_TIMEOUT: must be 0 (no limit) or at least 1 second, got 0.5',
    ],
    [{ SWITCHBOARD_DATABASE_TIMEOUT: '30s' }, 'SWITCHBOARD_DATABASE_TIMEOUT: expected seconds such as "5"'],
    [
      { SWITCHBOARD_DATABASE_POOL_SIZE: '0' },
      'SWITCHBOARD_DATABASE_POOL_SIZE: must be between 1 and 1000, got 0',
    ],
    [{ SWITCHBOARD_HIPCHAT_ROOM_RATE: '-1' }, 'SWITCHBOARD_HIPCHAT_ROOM_RATE: expected a whole number'],
    [{ SWITCHBOARD_ADMIN_EMAIL: 'nobody' }, 'SWITCHBOARD_ADMIN_EMAIL: not an email address'],
    [{ SWITCHBOARD_ADMIN_TOKEN: 'short' }, 'SWITCHBOARD_ADMIN_TOKEN: must be at least 20 characters'],
    [{ SWITCHBOARD_DATABASE_URL: 'postgres://db/x' }, 'SWITCHBOARD_SECRET_KEY: is required with PostgreSQL'],
    [
      { SWITCHBOARD_METRICS_PORT: 'metrics' },
      'SWITCHBOARD_METRICS_PORT: expected a whole number, got "metrics"',
    ],
    [{ SWITCHBOARD_METRICS_PORT: '65536' }, 'SWITCHBOARD_METRICS_PORT: must be between 0 and 65535'],
    [{ SWITCHBOARD_METRICS_PORT: '8080' }, 'SWITCHBOARD_METRICS_PORT: must differ from PORT (8080)'],
    [{ SWITCHBOARD_METRICS_TOKEN: 'short' }, 'SWITCHBOARD_METRICS_TOKEN: must be at least 20 characters'],
    [
      { SWITCHBOARD_METRICS_TOKEN: 'has a space in it 0123456789' },
      'SWITCHBOARD_METRICS_TOKEN: must be printable ASCII without spaces',
    ],
    [{ SWITCHBOARD_API_RATE_LIMIT: 'lots' }, 'SWITCHBOARD_API_RATE_LIMIT: expected a whole number'],
    [
      { SWITCHBOARD_API_RATE_LIMIT: '100000001' },
      'SWITCHBOARD_API_RATE_LIMIT: must be between 0 and 100000000',
    ],
    [
      { SWITCHBOARD_DELIVERY_RETENTION_DAYS: '30d' },
      'SWITCHBOARD_DELIVERY_RETENTION_DAYS: expected a number of days or "off", got "30d"',
    ],
    [
      { SWITCHBOARD_DELIVERY_RETENTION_DAYS: '-1' },
      'SWITCHBOARD_DELIVERY_RETENTION_DAYS: expected a number of days or "off"',
    ],
    [
      { SWITCHBOARD_AUDIT_RETENTION_DAYS: '1 year' },
      'SWITCHBOARD_AUDIT_RETENTION_DAYS: expected a number of days or "off", got "1 year"',
    ],
    [
      { SWITCHBOARD_DELIVERY_RETENTION_DAYS: '36501' },
      'SWITCHBOARD_DELIVERY_RETENTION_DAYS: must be between 0 and 36500, got 36501',
    ],
  ])('rejects %j with one line naming the variable', (env, message) => {
    const run = () => loadConfig({ SWITCHBOARD_DATABASE_URL: 'sqlite::memory:', ...env });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });
});
