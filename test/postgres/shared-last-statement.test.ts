import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lastStatementMark } from '../../src/db/deferred-begin.js';
import { resetStatementStats, statementCalls } from '../helpers/statement-stats.js';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * On PostgreSQL the last statements of changes that end in one event-loop turn, each the only
 * statement of its change that writes, are sent as one (`TransactionTail` with `share`): one
 * commit for them all. What must not change: each change is written exactly once or not at all,
 * a change refused in the shared statement fails alone with its own error (or, having lost its
 * compare-and-set, runs again), and the others go through. Statements are counted with
 * pg_stat_statements (loaded by the test cluster) in this test's own database.
 */

let t: TestSwitchboard;
const flags = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'];

beforeAll(async () => {
  t = await startTestSwitchboard();
  expect((await t.api('POST', '/api/v2/projects', { key: 'p', name: 'P' })).status).toBe(201);
  for (const key of flags)
    expect((await t.api('POST', '/api/v2/flags/p', { key, name: key })).status).toBe(201);
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await resetStatementStats(t.switchboard.database.db);
});

/** Last statements this database ran since the test began: all, and those of two changes or more. */
async function lastStatements(): Promise<{ all: number; shared: number }> {
  const { db } = t.switchboard.database;
  return {
    all: await statementCalls(db, `${lastStatementMark}%`),
    shared: await statementCalls(db, `${lastStatementMark}% w1_0 as (%`),
  };
}

const toggle = (flag: string, on: boolean) =>
  t.api('PATCH', `/api/v2/flags/p/${flag}`, [
    { op: 'replace', path: '/environments/production/on', value: on },
  ]);

async function productionOn(flag: string): Promise<boolean> {
  return (await t.api('GET', `/api/v2/flags/p/${flag}`)).body.environments.production.on;
}

async function auditEntriesOf(flag: string): Promise<number> {
  const rows = await t.switchboard.database.db.selectFrom('audit_entries').select('entry').execute();
  const entries = rows.map((r) => JSON.parse(r.entry) as { name: string; titleVerb: string });
  return entries.filter((e) => e.name === flag && e.titleVerb.startsWith('turned')).length;
}

describe('the last statements of one turn’s changes, sent as one (PostgreSQL)', () => {
  it('writes toggles that end in one turn in one statement, each once', async () => {
    const answers = await Promise.all(flags.map((flag) => toggle(flag, true)));
    expect(answers.map((a) => a.status)).toEqual(flags.map(() => 200));
    // One when all six end in the same turn (a busy machine may split them): never one each.
    const sent = await lastStatements();
    expect(sent.shared).toBeGreaterThanOrEqual(1);
    expect(sent.all).toBeLessThan(flags.length);
    for (const flag of flags) {
      expect(await productionOn(flag)).toBe(true);
      expect(await auditEntriesOf(flag)).toBe(1);
    }
  });

  it('runs again a change that lost its compare-and-set in a shared statement; the others are written', async () => {
    // Two changes to f0 read the same version: one compare-and-set must fail, and with it the
    // shared statement. Each is then sent alone: one of the two wins, and the other runs again
    // on what the winner wrote (ChangeLog), as if it had come a moment later.
    const before = (await t.api('GET', '/api/v2/flags/p/f0')).body._version;
    const answers = await Promise.all([
      toggle('f0', false),
      t.api('PATCH', '/api/v2/flags/p/f0', [{ op: 'replace', path: '/description', value: 'Zero' }]),
      toggle('f1', false),
      toggle('f2', false),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect((await t.api('GET', '/api/v2/flags/p/f0')).body).toMatchObject({
      _version: before + 2,
      description: 'Zero',
    });
    for (const flag of ['f0', 'f1', 'f2']) {
      expect(await productionOn(flag)).toBe(false);
      expect(await auditEntriesOf(flag)).toBe(2);
    }
  });
});
