import { randomInt } from 'node:crypto';
import type { Transaction } from 'kysely';
import { prepareQuery } from '../../db/prepared-query.js';
import type { Database, Executor } from '../../db/schema.js';
import { StaleRead, type TransactionTail } from '../../db/transaction-tail.js';
import { compilePolicy } from '../../policy/compile-policy.js';
import { PolicyIndex } from '../../policy/policy-index.js';
import type { TaggedAccess } from '../../policy/resource.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import type { IntegrationDoc } from './integration-model.js';

const currentGeneration = prepareQuery((db) =>
  db.selectFrom('integration_generation').select('generation').where('id', '=', 1),
);

const stillGeneration = prepareQuery((db, generation: number) =>
  db
    .selectFrom('integration_generation')
    .select((eb) => eb.lit(1).as('one'))
    .where('id', '=', 1)
    .where('generation', '=', generation),
);

/** Transactions that changed an integration (and so the stamp) themselves. */
const touched = new WeakSet<object>();

/**
 * The enabled integrations' compiled filters, kept in memory so fan-out costs an index lookup,
 * not a policy parse per integration per change. Every transaction that changes an integration
 * stamps `integration_generation` with a fresh random value; fan-out compares the stamp inside
 * its own transaction and reloads when it differs. That is correct across processes, and a
 * rolled-back change only causes one extra reload (a counter could repeat a value after a
 * rollback; a random stamp practically cannot).
 *
 * On PostgreSQL, where that read is a round trip of every change, a change whose last statement
 * is held (`tail`) checks the stamp in that statement instead: the directory matches from memory,
 * and should the stamp have moved, the statement writes nothing and fails with `StaleRead`, the
 * directory reloads and ChangeLog runs the change again.
 */
export class IntegrationDirectory {
  private generation: number | undefined;
  private index = new PolicyIndex<string>();

  constructor(private readonly tail?: TransactionTail) {}

  /** Call in every transaction that creates, changes or deletes an integration. */
  static async touch(tx: Transaction<Database>): Promise<void> {
    touched.add(tx);
    await tx
      .updateTable('integration_generation')
      .set({ generation: randomInt(1, 2 ** 47) })
      .where('id', '=', 1)
      .execute();
  }

  /** The ids of enabled integrations whose filter lets at least one access through. */
  async matching(db: Executor, accesses: readonly TaggedAccess[]): Promise<string[]> {
    // A transaction that stamped a new generation itself reads it back: no cache can be current.
    const held = this.tail?.holds(db) === true && !touched.has(db);
    if (this.generation === undefined || !held) {
      const row = await currentGeneration.first(db);
      if (row === undefined)
        throw new Error('integration_generation has no row (migration 002 not applied?)');
      if (row.generation !== this.generation) {
        this.index = await this.load(db);
        this.generation = row.generation;
      }
    }
    const { generation, index } = this;
    if (held && generation !== undefined) {
      await this.tail?.write(db, {
        query: stillGeneration.compile(db, generation),
        table: 'integration_generation',
        reads: true,
        expect: { rows: 1, failure: () => this.stale(generation) },
      });
    }
    return index.match(accesses);
  }

  /** The stamp moved since `generation` was loaded: the next change reloads. */
  private stale(generation: number): StaleRead {
    if (this.generation === generation) this.generation = undefined;
    return new StaleRead('the integrations');
  }

  private async load(db: Executor): Promise<PolicyIndex<string>> {
    const rows = await db.selectFrom('integrations').select(['id', 'doc']).execute();
    const index = new PolicyIndex<string>();
    for (const row of rows) {
      const doc = JSON.parse(row.doc) as IntegrationDoc;
      if (!doc.on) continue;
      const result = validatePolicy(doc.statements);
      // Statements were validated on write; a row that no longer validates (a future grammar
      // change) must not silently hear everything, so it hears nothing until it is fixed.
      if (!result.ok) continue;
      index.add(row.id, result.statements.length === 0 ? null : compilePolicy(result.statements));
    }
    return index;
  }
}
