import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql, type Transaction } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectCreated, testAdmin } from '../../../test/helpers/change-fixtures.js';
import { type DatabaseHandle, migrateToLatest, openSqlite } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { ForbiddenError } from '../../errors/app-errors.js';
import { authorizeChange } from '../access/authorize.js';
import type { Actor } from './audit-model.js';
import { AuditStore } from './audit-store.js';
import { ChangeLog, type RecordChange } from './change-log.js';

let dir: string;
let file: string;
let handle: DatabaseHandle;
/** A second connection to the same file: it sees only what has been committed. */
let outside: SqliteDatabase.Database;
let changes: ChangeLog;
let commits: number;

const admin = testAdmin;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-change-log-'));
  file = join(dir, 'db.sqlite');
  handle = openSqlite(file);
  await migrateToLatest(handle.db);
  outside = new SqliteDatabase(file, { readonly: true });
  changes = new ChangeLog({
    db: handle.db,
    audit: new AuditStore(),
    baseUrl: () => 'http://sb.test',
    clock: () => 1_000,
    groupCommit: true,
    authorize: authorizeChange,
  });
  commits = 0;
  changes.onCommitted(() => {
    commits++;
  });
});
afterEach(async () => {
  outside.close();
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const committedKeys = () =>
  (outside.prepare('select key from projects order by key').all() as { key: string }[]).map((r) => r.key);

const insertProject = (tx: Transaction<Database>, key: string) =>
  tx
    .insertInto('projects')
    .values({ id: key, scope: '', key, doc: '{}', version: 1, created_at: 1, lookup: null, secret: null })
    .execute();

async function createProject(
  tx: Transaction<Database>,
  record: RecordChange,
  key: string,
): Promise<string[]> {
  await insertProject(tx, key);
  await record(projectCreated(key, admin));
  // What this use case sees: its own write and those of the use cases before it.
  return (await tx.selectFrom('projects').select('key').orderBy('key').execute()).map((r) => r.key);
}

describe('ChangeLog group commit (SQLite)', () => {
  it('runs the use cases of one turn in one transaction, in order, each seeing those before it', async () => {
    const seenOutside: string[][] = [];
    const results = await Promise.all([
      changes.transact((tx, record) => createProject(tx, record, 'a')),
      changes.transact((tx, record) => createProject(tx, record, 'b')),
      changes.transact(async (tx, record) => {
        seenOutside.push(committedKeys());
        return createProject(tx, record, 'c');
      }),
    ]);
    expect(results).toEqual([['a'], ['a', 'b'], ['a', 'b', 'c']]);
    // While the third ran, nothing of the first two was committed: they commit together.
    expect(seenOutside).toEqual([[]]);
    expect(committedKeys()).toEqual(['a', 'b', 'c']);
    expect(outside.prepare('select count(*) as n from audit_entries').get()).toEqual({ n: 3 });
    expect(commits).toBe(1);
  });

  it('rolls back only the use case that failed, with what it wrote before it failed', async () => {
    const refused: Actor = { ...admin, can: () => false };
    const outcomes = await Promise.allSettled([
      changes.transact((tx, record) => createProject(tx, record, 'a')),
      // Writes its project, then the audit entry is refused: the project must go with it.
      changes.transact(async (tx, record) => {
        await insertProject(tx, 'x');
        return record(projectCreated('x', refused));
      }),
      changes.transact((tx, record) => createProject(tx, record, 'b')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ForbiddenError);
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: ['a', 'b'] });
    expect(committedKeys()).toEqual(['a', 'b']);
    expect(outside.prepare('select count(*) as n from audit_entries').get()).toEqual({ n: 2 });
  });

  it('fails every use case of a group whose commit fails, and commits nothing of it', async () => {
    const outcomes = await Promise.allSettled([
      changes.transact((tx, record) => createProject(tx, record, 'a')),
      // A foreign key checked at commit time: the row itself is accepted, the commit is not.
      changes.transact(async (tx) => {
        await sql`pragma defer_foreign_keys = on`.execute(tx);
        await tx
          .insertInto('deliveries')
          .values({
            integration_id: 'no-such-integration',
            audit_id: 'e',
            kind: 'flag',
            status: 'pending',
            run_at: 1,
            created_at: 1,
          })
          .execute();
        return 'queued';
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY constraint failed/);
    expect(committedKeys()).toEqual([]);
    expect(outside.prepare('select count(*) as n from audit_entries').get()).toEqual({ n: 0 });
    expect(commits).toBe(0);
    // The connection is usable afterwards, and the next group commits.
    expect(await changes.transact((tx, record) => createProject(tx, record, 'b'))).toEqual(['b']);
    expect(committedKeys()).toEqual(['b']);
  });

  it('answers a use case that arrives during a group in the next group', async () => {
    let late: Promise<string[]> | undefined;
    const first = changes.transact(async (tx, record) => {
      late = changes.transact((tx2, record2) => createProject(tx2, record2, 'b'));
      return createProject(tx, record, 'a');
    });
    expect(await first).toEqual(['a']);
    expect(await late).toEqual(['a', 'b']);
    expect(commits).toBe(2);
  });
});

describe('ChangeLog after-commit effects (the SDK change feed)', () => {
  it('runs the effects of the use cases that committed, after the commit, and none of one rolled back', async () => {
    const ran: { key: string; committed: string[] }[] = [];
    changes.addFanOut(async (_tx, record, afterCommit) => {
      const key = record.entry.name;
      afterCommit(() => ran.push({ key, committed: committedKeys() }));
    });
    const outcomes = await Promise.allSettled([
      changes.transact((tx, record) => createProject(tx, record, 'a')),
      // Records its change (the fan-out runs), then fails: rolled back to its savepoint.
      changes.transact(async (tx, record) => {
        await createProject(tx, record, 'x');
        throw new Error('after the record');
      }),
      changes.transact((tx, record) => createProject(tx, record, 'b')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // Each effect saw its change committed already; the rolled-back one never ran.
    expect(ran).toEqual([
      { key: 'a', committed: ['a', 'b'] },
      { key: 'b', committed: ['a', 'b'] },
    ]);
  });

  it('runs no effect when the whole group fails to commit', async () => {
    let ran = 0;
    changes.addFanOut(async (_tx, _record, afterCommit) => {
      afterCommit(() => {
        ran++;
      });
    });
    await expect(
      changes.transact(async (tx, record) => {
        await createProject(tx, record, 'a');
        throw new Error('after the record');
      }),
    ).rejects.toThrow('after the record');
    expect(ran).toBe(0);
    await changes.transact((tx, record) => createProject(tx, record, 'b'));
    expect(ran).toBe(1);
  });
});
