import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { buildSwitchboard, type Switchboard } from '../../src/composition-root.js';
import { loadConfig } from '../../src/config/config.js';
import { DocumentStore } from '../../src/db/document-store.js';
import type { FlagDoc } from '../../src/features/flags/flag-model.js';
import { newId } from '../../src/shared/ids.js';
import { startPostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { median } from '../measure.js';

/**
 * `npm run bench -- api-lists`: the flag list of a project with 10,000 flags on SQLite and on
 * PostgreSQL (a throwaway cluster), page 1 against page 50 (`limit=20&offset=980`), a filtered
 * page and a page sorted by name, through the whole HTTP stack in process (`inject`). Pages are
 * cut by the list indexes (migration 008), so page 50 should cost about what page 1 does; the
 * ratio is measured in the same run, on the same data.
 */

const FLAGS = 10_000;
const REQUESTS = 200;
const WARM_UP = 30;
const TOKEN = 'bench-list-admin-token-0123456789abcdef';
const SECRET_KEY = 'c3dpdGNoYm9hcmQtdGVzdC1rZXktMzItYnl0ZXMhISE=';
const BASE = '/api/v2/flags/bench';

const CASES = [
  ['page 1', `${BASE}?limit=20&offset=0`],
  ['page 50', `${BASE}?limit=20&offset=980`],
  [
    'filtered page 1 (tags:beta, query)',
    `${BASE}?limit=20&filter=${encodeURIComponent('tags:beta,query:flag-0')}`,
  ],
  ['filtered page 10', `${BASE}?limit=20&offset=180&filter=${encodeURIComponent('tags:beta')}`],
  ['sort=name page 50', `${BASE}?limit=20&offset=980&sort=name`],
] as const;

interface Row {
  readonly name: string;
  readonly medianMs: number;
  readonly items: number;
  readonly totalCount: number;
}

async function start(databaseUrl: string): Promise<Switchboard> {
  const config = loadConfig({
    SWITCHBOARD_DATABASE_URL: databaseUrl,
    SWITCHBOARD_SECRET_KEY: SECRET_KEY,
    SWITCHBOARD_ADMIN_TOKEN: TOKEN,
    SWITCHBOARD_ADMIN_EMAIL: 'bench@example.com',
    SWITCHBOARD_ADMIN_PASSWORD: 'correct horse battery',
    SWITCHBOARD_BASE_URL: 'http://localhost',
    SWITCHBOARD_API_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn',
  });
  return buildSwitchboard(config);
}

async function call(switchboard: Switchboard, method: 'GET' | 'POST', url: string, payload?: object) {
  const response = await switchboard.app.inject({
    method,
    url,
    headers: { authorization: TOKEN },
    ...(payload === undefined ? {} : { payload }),
  });
  if (response.statusCode >= 300)
    throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return JSON.parse(response.body) as { items: unknown[]; totalCount: number };
}

/**
 * One flag through the API (so the document is what the API writes), then the rest as copies
 * straight through the store in one transaction: 10,000 audited requests would time the set-up.
 */
async function seed(switchboard: Switchboard): Promise<number> {
  const started = performance.now();
  await call(switchboard, 'POST', '/api/v2/projects', { key: 'bench', name: 'Bench' });
  await call(switchboard, 'POST', BASE, { key: 'flag-00000', name: 'Flag 00000', tags: ['beta'] });
  const flags = new DocumentStore<FlagDoc>('flags', 'Flag');
  const template = await flags.getOrThrow(switchboard.database.db, 'bench', 'flag-00000');
  await switchboard.database.db.transaction().execute(async (tx) => {
    for (let i = 1; i < FLAGS; i++) {
      const key = `flag-${String(i).padStart(5, '0')}`;
      await flags.insert(tx, {
        id: newId(),
        scope: 'bench',
        key,
        createdAt: template.createdAt + i,
        doc: {
          ...template.doc,
          // Names run backwards so sort=name is not creation order.
          name: `Flag ${String(FLAGS - i).padStart(5, '0')}`,
          tags: i % 10 === 0 ? ['beta'] : ['ga'],
          creationDate: template.createdAt + i,
        },
      });
    }
  });
  return performance.now() - started;
}

async function measure(switchboard: Switchboard): Promise<Row[]> {
  for (let i = 0; i < WARM_UP; i++) for (const [, url] of CASES) await call(switchboard, 'GET', url);
  // Round-robin over the cases, so a busy moment of the machine falls on every row alike and
  // the page-50/page-1 ratio compares like with like.
  const samples = CASES.map((): number[] => []);
  const last = new Map<number, { items: unknown[]; totalCount: number }>();
  for (let i = 0; i < REQUESTS; i++) {
    for (const [index, [, url]] of CASES.entries()) {
      const started = performance.now();
      last.set(index, await call(switchboard, 'GET', url));
      samples[index]?.push(performance.now() - started);
    }
  }
  return CASES.map(([name], index) => ({
    name,
    medianMs: median(samples[index] ?? []),
    items: last.get(index)?.items.length ?? 0,
    totalCount: last.get(index)?.totalCount ?? 0,
  }));
}

function report(engine: string, seedMs: number, rows: readonly Row[]): void {
  console.log(`\n${engine}: ${FLAGS.toLocaleString('en')} flags seeded in ${(seedMs / 1000).toFixed(1)} s`);
  console.log('| request | median ms | items | totalCount |');
  console.log('|---|---:|---:|---:|');
  for (const row of rows) {
    console.log(`| ${row.name} | ${row.medianMs.toFixed(2)} | ${row.items} | ${row.totalCount} |`);
  }
  const page1 = rows.find((r) => r.name === 'page 1')?.medianMs ?? Number.NaN;
  const page50 = rows.find((r) => r.name === 'page 50')?.medianMs ?? Number.NaN;
  console.log(`page 50 / page 1: ${(page50 / page1).toFixed(2)}`);
}

async function runSqlite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-list-bench-'));
  const switchboard = await start(`sqlite:${join(dir, 'switchboard.db')}`);
  try {
    const seedMs = await seed(switchboard);
    report('SQLite', seedMs, await measure(switchboard));
  } finally {
    await switchboard.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runPostgres(): Promise<void> {
  const cluster = await startPostgresCluster();
  try {
    const admin = new pg.Client(cluster.url);
    await admin.connect();
    await admin.query('create database list_bench');
    await admin.end();
    const url = new URL(cluster.url);
    url.pathname = '/list_bench';
    const switchboard = await start(url.toString());
    try {
      const seedMs = await seed(switchboard);
      // What autovacuum does to a table that has just grown: statistics and the visibility map
      // (without it a count reads the heap instead of the index alone).
      await sql`vacuum analyze flags`.execute(switchboard.database.db);
      report('PostgreSQL', seedMs, await measure(switchboard));
    } finally {
      await switchboard.close();
    }
  } finally {
    cluster.stop();
  }
}

export async function runListBench(): Promise<void> {
  console.log(
    `api-lists: GET ${BASE} (limit=20), ${REQUESTS} requests per row after ${WARM_UP} to warm up, in process; ${cpus().length} CPUs`,
  );
  await runSqlite();
  await runPostgres();
}
