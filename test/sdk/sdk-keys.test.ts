import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSwitchboard, type Switchboard } from '../../src/composition-root.js';
import { loadConfig } from '../../src/config/config.js';
import { adminToken, freshPostgresDatabase, testDialect } from '../helpers/test-switchboard.js';

/**
 * SDK keys as credentials, on a real database (SQLite file or PostgreSQL), with a clock the test
 * moves: rotation with and without a grace period, sealing at rest, masking, the audit entry,
 * deletion with the environment and project, and keys from before migration 005.
 */

interface Harness {
  readonly switchboard: Switchboard;
  readonly url: string;
  api(
    method: InjectOptions['method'],
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies
  ): Promise<{ status: number; body: any }>;
}

let now = Date.UTC(2025, 0, 1);
const clock = () => now;
let dir = '';
let dropPostgres: (() => Promise<void>) | undefined;
let url = '';
let h: Harness;

async function open(databaseUrl: string): Promise<Harness> {
  const config = loadConfig({
    SWITCHBOARD_DATABASE_URL: databaseUrl,
    SWITCHBOARD_SECRET_KEY: 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=',
    SWITCHBOARD_ADMIN_TOKEN: adminToken,
    SWITCHBOARD_ADMIN_EMAIL: 'ariel@acme.com',
    SWITCHBOARD_ADMIN_PASSWORD: 'correct horse battery',
    SWITCHBOARD_BASE_URL: 'https://flags.example.com',
  });
  const switchboard = await buildSwitchboard(config, { clock });
  return {
    switchboard,
    url: databaseUrl,
    async api(method, path, body, headers = {}) {
      const res = await switchboard.app.inject({
        method,
        url: path,
        headers: { authorization: adminToken, ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return { status: res.statusCode, body: res.body === '' ? undefined : JSON.parse(res.body) };
    },
  };
}

beforeEach(async () => {
  now = Date.UTC(2025, 0, 1);
  dir = mkdtempSync(join(tmpdir(), 'switchboard-sdk-keys-'));
  if (testDialect === 'postgres') {
    const pg = await freshPostgresDatabase();
    url = pg.url;
    dropPostgres = pg.drop;
  } else {
    url = `sqlite:${join(dir, 'switchboard.db')}`;
    dropPostgres = undefined;
  }
  h = await open(url);
  const created = await h.api('POST', '/api/v2/projects', { key: 'shop', name: 'Shop' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
});

afterEach(async () => {
  await h.switchboard.close();
  await dropPostgres?.();
  rmSync(dir, { recursive: true, force: true });
});

const envPath = '/api/v2/projects/shop/environments/production';

async function production(headers?: Record<string, string>) {
  const res = await h.api('GET', envPath, undefined, headers);
  expect(res.status).toBe(200);
  return res.body as { _id: string; _version: number; apiKey: string; mobileKey: string };
}

const opens = (raw: string, kind: 'server' | 'mobile' = 'server') => h.switchboard.sdkKeys.resolve(raw, kind);

async function tokenWith(policy: unknown[]): Promise<Record<string, string>> {
  const res = await h.api('POST', '/api/v2/tokens', { name: 'limited', inlineRole: policy });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { authorization: res.body.token };
}

/** Every row of the tables a key could leak into, as text. */
async function storedText(): Promise<string> {
  const { db } = h.switchboard.database;
  const parts = await Promise.all(
    (['environments', 'projects', 'sdk_keys', 'audit_entries', 'deliveries'] as const).map((table) =>
      db.selectFrom(table).selectAll().execute(),
    ),
  );
  return JSON.stringify(parts);
}

describe('SDK keys', () => {
  it('open their own environment, of their own kind only, and never the REST API', async () => {
    const env = await production();
    expect(env.apiKey).toMatch(/^sdk-[0-9a-f-]{36}$/);
    expect(env.mobileKey).toMatch(/^mob-[0-9a-f-]{36}$/);
    const expected = { projectKey: 'shop', envKey: 'production', environmentId: env._id };
    expect(await opens(env.apiKey)).toEqual(expected);
    expect(await opens(env.mobileKey, 'mobile')).toEqual(expected);
    expect(await opens(env.apiKey, 'mobile')).toBeUndefined();
    expect(await opens(env.mobileKey, 'server')).toBeUndefined();
    expect(await opens(`${env.apiKey}x`)).toBeUndefined();
    expect(await opens('')).toBeUndefined();
    const test = (await h.api('GET', '/api/v2/projects/shop/environments/test')).body;
    expect(await opens(test.apiKey)).toMatchObject({ envKey: 'test', environmentId: test._id });
    for (const key of [env.apiKey, env.mobileKey]) {
      expect((await h.api('GET', '/api/v2/projects', undefined, { authorization: key })).status).toBe(401);
    }
  });

  it('reset without an expiry: the old key stops at once, even one just looked up', async () => {
    const before = await production();
    expect(await opens(before.apiKey)).toBeDefined(); // now in the resolver's cache
    const reset = await h.api('POST', `${envPath}/apiKey`);
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body).toMatchObject({ key: 'production', _id: before._id, mobileKey: before.mobileKey });
    expect(reset.body._version).toBe(before._version + 1);
    expect(reset.body.apiKey).toMatch(/^sdk-/);
    expect(reset.body.apiKey).not.toBe(before.apiKey);
    expect(await opens(before.apiKey)).toBeUndefined();
    expect(await opens(reset.body.apiKey)).toMatchObject({ envKey: 'production' });
    expect((await production()).apiKey).toBe(reset.body.apiKey);

    const mobile = await h.api('POST', `${envPath}/mobileKey`, {});
    expect(mobile.status).toBe(200);
    expect(mobile.body.apiKey).toBe(reset.body.apiKey);
    expect(await opens(before.mobileKey, 'mobile')).toBeUndefined();
    expect(await opens(mobile.body.mobileKey, 'mobile')).toMatchObject({ envKey: 'production' });
  });

  it('reset with an expiry: both keys work until then, the old one not a millisecond after', async () => {
    const before = await production();
    const expiry = now + 60_000;
    const reset = await h.api('POST', `${envPath}/apiKey`, { expiry });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    const fresh: string = reset.body.apiKey;
    expect(await opens(before.apiKey)).toMatchObject({ envKey: 'production' });
    expect(await opens(fresh)).toMatchObject({ envKey: 'production' });
    // The API shows the current key only.
    expect((await production()).apiKey).toBe(fresh);
    now = expiry - 1;
    expect(await opens(before.apiKey)).toBeDefined();
    now = expiry;
    expect(await opens(before.apiKey)).toBeUndefined();
    expect(await opens(fresh)).toBeDefined();

    // LaunchDarkly's current reference puts the expiry in the query string: the same.
    const mobile = await h.api('POST', `${envPath}/mobileKey?expiry=${now + 1_000}`);
    expect(mobile.status).toBe(200);
    expect(await opens(before.mobileKey, 'mobile')).toBeDefined();
    now += 1_000;
    expect(await opens(before.mobileKey, 'mobile')).toBeUndefined();

    // An expiry already past is no grace at all.
    const again = await h.api('POST', `${envPath}/apiKey`, { expiry: now - 1 });
    expect(again.status).toBe(200);
    expect(await opens(fresh)).toBeUndefined();
    // Keys rotated out are deleted once their grace has run out.
    const rows = await h.switchboard.database.db.selectFrom('sdk_keys').select('kind').execute();
    expect(rows.map((r) => r.kind).sort()).toEqual(['mobile', 'mobile', 'server', 'server']);
  });

  it('rejects a bad expiry with a 400 naming it, and changes nothing', async () => {
    const before = await production();
    for (const [path, body, pointer] of [
      [`${envPath}/apiKey`, { expiry: 'tomorrow' }, '/expiry'],
      [`${envPath}/apiKey`, { expiry: -5 }, '/expiry'],
      [`${envPath}/apiKey`, { expiry: 1.5 }, '/expiry'],
      [`${envPath}/mobileKey`, { expires: now + 1 }, '/expires'],
      [`${envPath}/apiKey`, [now + 1], '/'],
      [`${envPath}/apiKey?expiry=soon`, undefined, 'query /expiry'],
    ] as const) {
      const res = await h.api('POST', path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([pointer]);
    }
    expect(await production()).toEqual(before);
    expect((await h.api('POST', '/api/v2/projects/shop/environments/nope/apiKey')).status).toBe(404);
  });

  it('are sealed at rest: neither the SQLite file nor any row holds a key in clear', async () => {
    const before = await production();
    const reset = await h.api('POST', `${envPath}/apiKey`, { expiry: now + 60_000 });
    const keys = [before.apiKey, before.mobileKey, reset.body.apiKey];
    const text = await storedText();
    for (const key of keys) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(4)); // the random part alone
    }
    // The hash is stored, and it is what finds the key.
    expect(text).toContain(
      (await import('node:crypto')).createHash('sha256').update(before.apiKey).digest('hex'),
    );
    if (testDialect === 'sqlite') {
      const file = join(dir, 'switchboard.db');
      const bytes = Buffer.concat(
        [file, `${file}-wal`].map((f) => {
          try {
            return readFileSync(f);
          } catch {
            return Buffer.alloc(0);
          }
        }),
      );
      expect(bytes.length).toBeGreaterThan(0);
      for (const key of keys) expect(bytes.includes(Buffer.from(key.slice(4)))).toBe(false);
    }
  });

  it('are masked without viewSdkKey, also in the answer to a reset that one may do', async () => {
    const resetter = await tokenWith([
      { effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] },
      { effect: 'allow', resources: ['proj/*:env/*'], actions: ['updateApiKey'] },
    ]);
    const reader = await tokenWith([{ effect: 'allow', resources: ['proj/*'], actions: ['viewProject'] }]);
    expect(await production(reader)).toMatchObject({ apiKey: '********', mobileKey: '********' });
    const project = (await h.api('GET', '/api/v2/projects/shop?expand=environments', undefined, reader)).body;
    for (const env of project.environments.items) expect(env).toMatchObject({ apiKey: '********' });

    const before = await production();
    const denied = await h.api('POST', `${envPath}/apiKey`, undefined, reader);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('updateApiKey');
    expect(await opens(before.apiKey)).toBeDefined();
    expect((await h.api('POST', `${envPath}/mobileKey`, undefined, resetter)).status).toBe(403);

    const reset = await h.api('POST', `${envPath}/apiKey`, undefined, resetter);
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ apiKey: '********', mobileKey: '********' });
    expect(await opens(before.apiKey)).toBeUndefined();
    expect((await production()).apiKey).toMatch(/^sdk-/);
  });

  it('are audited as updateApiKey and updateMobileKey without the key in the entry', async () => {
    const before = await production();
    const reset = await h.api('POST', `${envPath}/apiKey`, { expiry: now + 3_600_000 });
    const mobile = await h.api('POST', `${envPath}/mobileKey`);
    const list = await h.api('GET', '/api/v2/auditlog');
    const entries = list.body.items.filter((e: { kind: string }) => e.kind === 'environment');
    const details = await Promise.all(
      entries
        .slice(0, 2)
        .map(async (e: { _id: string }) => (await h.api('GET', `/api/v2/auditlog/${e._id}`)).body),
    );
    const [mobileEntry, apiEntry] = details;
    expect(apiEntry.accesses).toEqual([{ action: 'updateApiKey', resource: 'proj/shop:env/production' }]);
    expect(mobileEntry.accesses).toEqual([
      { action: 'updateMobileKey', resource: 'proj/shop:env/production' },
    ]);
    expect(apiEntry.title).toContain('reset the SDK key of the environment');
    expect(apiEntry.description).toContain('2025-01-01T01:00:00.000Z');
    expect(apiEntry.currentVersion).toMatchObject({ apiKey: '********', mobileKey: '********' });
    const text = JSON.stringify([list.body, details]) + (await storedText());
    for (const key of [before.apiKey, before.mobileKey, reset.body.apiKey, mobile.body.mobileKey]) {
      expect(text).not.toContain(key);
    }
  });

  it('go with their environment and with their project, in the same transaction', async () => {
    const production1 = await production();
    const test = (await h.api('GET', '/api/v2/projects/shop/environments/test')).body;
    await h.api('POST', `${envPath}/apiKey`, { expiry: now + 60_000 }); // a graced old key too
    const count = async () =>
      Number(
        (
          await h.switchboard.database.db
            .selectFrom('sdk_keys')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count()).toBe(5);
    expect((await h.api('DELETE', envPath)).status).toBe(204);
    expect(await opens(production1.apiKey)).toBeUndefined();
    expect(await opens(production1.mobileKey, 'mobile')).toBeUndefined();
    expect(await count()).toBe(2);
    // A new environment of the same key gets new keys.
    const again = await h.api('POST', '/api/v2/projects/shop/environments', {
      key: 'production',
      name: 'Production',
      color: '417505',
    });
    expect(again.status).toBe(201);
    expect(again.body.apiKey).not.toBe(production1.apiKey);
    expect(await opens(again.body.apiKey)).toMatchObject({ environmentId: again.body._id });

    expect((await h.api('DELETE', '/api/v2/projects/shop')).status).toBe(204);
    expect(await opens(test.apiKey)).toBeUndefined();
    expect(await opens(again.body.apiKey)).toBeUndefined();
    expect(await count()).toBe(0);
  });

  it('from before migration 005, in clear in the environment document, keep working and are sealed at start-up', async () => {
    const { db } = h.switchboard.database;
    const env = await production();
    // As an older version stored it: the keys in the document, no row of their own.
    const legacy = { apiKey: 'sdk-legacy-0000-1111-2222-333344445555', mobileKey: 'mob-legacy-6666-7777' };
    const row = await db
      .selectFrom('environments')
      .select('doc')
      .where('id', '=', env._id)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('environments')
      .set({ doc: JSON.stringify({ ...JSON.parse(row.doc), ...legacy }) })
      .where('id', '=', env._id)
      .execute();
    await db.deleteFrom('sdk_keys').where('environment_id', '=', env._id).execute();
    await h.switchboard.close();

    h = await open(url);
    expect(await opens(legacy.apiKey)).toMatchObject({ environmentId: env._id });
    expect(await opens(legacy.mobileKey, 'mobile')).toMatchObject({ environmentId: env._id });
    expect(await production()).toMatchObject(legacy);
    const sealed = await h.switchboard.database.db
      .selectFrom('environments')
      .select('doc')
      .where('id', '=', env._id)
      .executeTakeFirstOrThrow();
    expect(sealed.doc).not.toContain('legacy');
    expect(await storedText()).not.toContain('legacy');

    // A second start finds nothing left to seal and changes nothing.
    const version = (await production())._version;
    await h.switchboard.close();
    h = await open(url);
    expect((await production())._version).toBe(version);
    expect(await opens(legacy.apiKey)).toBeDefined();
  });
});
