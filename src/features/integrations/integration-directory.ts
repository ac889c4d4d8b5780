import { randomInt } from 'node:crypto';
import type { Transaction } from 'kysely';
import { prepareQuery } from '../../db/prepared-query.js';
import type { Database, Executor } from '../../db/schema.js';
import { compilePolicy } from '../../policy/compile-policy.js';
import { PolicyIndex } from '../../policy/policy-index.js';
import type { TaggedAccess } from '../../policy/resource.js';
import { validatePolicy } from '../../policy/validate-policy.js';
import type { IntegrationDoc } from './integration-model.js';

const currentGeneration = prepareQuery((db) =>
  db.selectFrom('integration_generation').select('generation').where('id', '=', 1),
);

/**
 * The enabled integrations' compiled filters, kept in memory so fan-out costs an index lookup,
 * not a policy parse per integration per change. Every transaction that changes an integration
 * stamps `integration_generation` with a fresh random value; fan-out compares the stamp inside
 * its own transaction and reloads when it differs. That is correct across processes, and a
 * rolled-back change only causes one extra reload (a counter could repeat a value after a
 * rollback; a random stamp practically cannot).
 */
export class IntegrationDirectory {
  private generation: number | undefined;
  private index = new PolicyIndex<string>();

  /** Call in every transaction that creates, changes or deletes an integration. */
  static async touch(tx: Transaction<Database>): Promise<void> {
    await tx
      .updateTable('integration_generation')
      .set({ generation: randomInt(1, 2 ** 47) })
      .where('id', '=', 1)
      .execute();
  }

  /** The ids of enabled integrations whose filter lets at least one access through. */
  async matching(db: Executor, accesses: readonly TaggedAccess[]): Promise<string[]> {
    const row = await currentGeneration.first(db);
    if (row === undefined) throw new Error('integration_generation has no row (migration 002 not applied?)');
    if (row.generation !== this.generation) {
      this.index = await this.load(db);
      this.generation = row.generation;
    }
    return this.index.match(accesses);
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
