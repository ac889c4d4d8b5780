import { type CompiledQuery, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { FlagLoader, type FlagWithParents } from '../../src/features/flags/flag-load.js';
import { type LoggedPostgres, loggedPostgres } from '../helpers/logged-postgres.js';
import type { TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * On PostgreSQL the changes to flags that start in one event-loop turn read their flags with
 * their project and environments in one statement (`FlagLoader`), on the first one's connection.
 * What must not change: each change gets its own flag, or its own 404, as stored when it asked,
 * and the toggles themselves all go through.
 */

let t: TestSwitchboard;
let db: Kysely<Database>;
let logged: LoggedPostgres;
/** The reads of a flag with its parents that reached PostgreSQL. */
let reads: CompiledQuery[];
const flagKeys = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'];

beforeAll(async () => {
  logged = await loggedPostgres((text) => text.includes('as "part"'), 8);
  ({ t, db, logged: reads } = logged);
  // Eight connections open, so eight transactions begin in one turn, as on a warm server.
  await Promise.all(flagKeys.map(() => db.transaction().execute((tx) => sql`select 1`.execute(tx))));
  expect((await t.api('POST', '/api/v2/projects', { key: 'p', name: 'P' })).status).toBe(201);
  for (const key of flagKeys)
    expect((await t.api('POST', '/api/v2/flags/p', { key, name: key })).status).toBe(201);
});
afterAll(async () => {
  await logged?.close();
});
beforeEach(() => {
  reads.length = 0;
});

/** Each change's read, in a transaction of its own, all asked in one turn. */
function loadInTransactions(loader: FlagLoader, asked: readonly [string, string][]) {
  return Promise.allSettled(
    asked.map(([project, flag]) => db.transaction().execute((tx) => loader.load(tx, project, flag))),
  );
}

const value = (result: PromiseSettledResult<FlagWithParents> | undefined) => {
  if (result?.status !== 'fulfilled') throw new Error(`expected a flag, got ${String(result?.reason)}`);
  return result.value;
};

describe('flag reads shared within a turn (PostgreSQL)', () => {
  it('reads the flags of one project that changes ask for in one turn in one statement', async () => {
    const results = await loadInTransactions(
      new FlagLoader(true),
      flagKeys.map((key) => ['p', key]),
    );
    expect(reads).toHaveLength(1);
    expect(results.map((r) => value(r).flag.key)).toEqual(flagKeys);
    const [first, second] = [value(results[0]), value(results[1])];
    expect(first.envs.map((e) => e.key)).toEqual(['production', 'test']);
    // Documents of their own: one change cannot touch what another reads.
    expect(first.project).not.toBe(second.project);
    expect(first.envs[0]).not.toBe(second.envs[0]);
  });

  it('answers a missing flag or project with its own 404 and the others with their flags', async () => {
    const results = await loadInTransactions(new FlagLoader(true), [
      ['p', 'f1'],
      ['p', 'nope'],
      ['gone', 'f1'],
      ['p', 'f1'],
    ]);
    expect(value(results[0]).flag.key).toBe('f1');
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: { message: 'Flag "nope" not found in project "p"' },
    });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { message: 'Project "gone" not found' } });
    expect(value(results[3]).flag).not.toBe(value(results[0]).flag);
    expect(reads).toHaveLength(2);
  });

  it('reads in its own transaction a change that has written already', async () => {
    const loader = new FlagLoader(true);
    let written!: () => void;
    const barrier = new Promise<void>((resolve) => {
      written = resolve;
    });
    class Undo extends Error {
      constructor(readonly loaded: PromiseSettledResult<FlagWithParents>) {
        super('rolled back');
      }
    }
    // Three changes ask in one turn; the third has deleted f3 in its transaction first.
    const asked = Promise.allSettled([
      db.transaction().execute(async (tx) => {
        await barrier;
        return loader.load(tx, 'p', 'f3');
      }),
      db.transaction().execute(async (tx) => {
        await barrier;
        return loader.load(tx, 'p', 'f4');
      }),
      db.transaction().execute(async (tx) => {
        await sql`delete from flags where scope = 'p' and key = 'f3'`.execute(tx);
        written();
        const [loaded] = await Promise.allSettled([loader.load(tx, 'p', 'f3')]);
        throw new Undo(loaded as PromiseSettledResult<FlagWithParents>);
      }),
    ]);
    const [first, second, third] = await asked;
    expect(value(first).flag.key).toBe('f3');
    expect(value(second).flag.key).toBe('f4');
    // Its own delete, seen only in its own transaction (and rolled back).
    const own = third?.status === 'rejected' ? (third.reason as Undo).loaded : undefined;
    expect(own).toMatchObject({
      status: 'rejected',
      reason: { message: 'Flag "f3" not found in project "p"' },
    });
    expect(reads).toHaveLength(2);
  });

  it('reads each change on its own when not shared', async () => {
    await loadInTransactions(
      new FlagLoader(false),
      flagKeys.slice(0, 3).map((key) => ['p', key]),
    );
    expect(reads).toHaveLength(3);
  });

  it('puts every one of eight toggles sent at once through, each on its own flag', async () => {
    const toggles = await Promise.all(
      flagKeys.map((key) =>
        t.api('PATCH', `/api/v2/flags/p/${key}`, {
          patch: [{ op: 'replace', path: '/environments/production/on', value: true }],
        }),
      ),
    );
    expect(toggles.map((r) => [r.status, r.body.key, r.body.environments.production.on])).toEqual(
      flagKeys.map((key) => [200, key, true]),
    );
    const log = await t.api('GET', '/api/v2/auditlog?limit=20');
    const turnedOn = log.body.items.filter(
      (e: { titleVerb: string }) => e.titleVerb === 'turned on the flag',
    );
    expect(turnedOn).toHaveLength(8);
  });
});
