import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { prepareStatementsByName } from '../../src/db/postgres-statements.js';
import { startPostgresCluster } from '../../test/helpers/postgres-cluster.js';

/**
 * What one statement costs the client process on PostgreSQL, apart from everything else a
 * toggle does: the same one-row read by primary key, sent one after another on one connection
 * (a throwaway cluster on 127.0.0.1), through node-pg alone and through Kysely as the server
 * sends it (`prepareStatementsByName`: named prepared statements, held `begin`, answer
 * deadline). CPU is this process's (`process.cpuUsage`, all its threads); PostgreSQL's is not
 * in it. `node --import tsx bench/delivery/statement-cost.ts`; see bench/README.md.
 */

interface Tables {
  docs: { id: string; doc: string; version: number };
}

const warmUp = 500;
const measured = 5_000;

async function perStatement(label: string, one: () => Promise<unknown>): Promise<string> {
  for (let i = 0; i < warmUp; i++) await one();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < measured; i++) await one();
  const used = process.cpuUsage(cpu);
  const wallUs = ((performance.now() - started) * 1000) / measured;
  const cpuUs = (used.user + used.system) / measured;
  return `| ${label} | ${cpuUs.toFixed(0)} µs | ${wallUs.toFixed(0)} µs |`;
}

const cluster = await startPostgresCluster();
const rows: string[] = [];
try {
  const raw = new pg.Client({ connectionString: cluster.url });
  await raw.connect();
  await raw.query('create table docs (id text primary key, doc text not null, version integer not null)');
  // About the size of a flag's document.
  await raw.query(`insert into docs values ('a', repeat('x', 2000), 1)`);
  const text = 'select id, doc, version from docs where id = $1';
  rows.push(await perStatement('node-pg, unnamed (Parse each time)', () => raw.query(text, ['a'])));
  rows.push(
    await perStatement('node-pg, named prepared statement', () =>
      raw.query({ name: 'one', text, values: ['a'] }),
    ),
  );
  const pool = new pg.Pool({ connectionString: cluster.url, max: 1 });
  prepareStatementsByName(pool, { answerMs: 30_000 });
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  rows.push(
    await perStatement('Kysely `sql` template, as the server sends it', () =>
      sql`select id, doc, version from docs where id = ${'a'}`.execute(db),
    ),
  );
  rows.push(
    await perStatement('Kysely query builder, as the server sends it', () =>
      db.selectFrom('docs').select(['id', 'doc', 'version']).where('id', '=', 'a').execute(),
    ),
  );
  await raw.end();
  await db.destroy();
} finally {
  cluster.stop();
}
console.log(`# one statement's cost to the client (${measured} sequential one-row reads, after ${warmUp})\n`);
console.log('| sent through | CPU per statement | wall per statement |\n|---|---|---|');
for (const row of rows) console.log(row);
