import { sql } from 'kysely';
import { type DocumentRow, documentColumns, type StoredDocument, toStored } from '../../db/document-store.js';
import { prepareQuery } from '../../db/prepared-query.js';
import type { Executor } from '../../db/schema.js';
import { NotFoundError } from '../../errors/app-errors.js';
import type { EnvironmentDoc } from '../environments/environment-model.js';
import type { ProjectDoc } from '../projects/project-model.js';
import type { FlagDoc } from './flag-model.js';

/**
 * A flag with its project and the project's environments, in one statement instead of three: on
 * PostgreSQL each statement is a network round trip, and every change to a flag starts with
 * these reads (a toggle was 13 statements; see bench/README.md, "PostgreSQL write path").
 */
const withParents = prepareQuery(
  (db, projectScope: string, projectKey: string, envScope: string, flagScope: string, flagKey: string) =>
    db
      .selectFrom('projects')
      .select([sql<number>`0`.as('part'), ...documentColumns])
      .where('scope', '=', projectScope)
      .where('key', '=', projectKey)
      .unionAll(
        db
          .selectFrom('environments')
          .select([sql<number>`1`.as('part'), ...documentColumns])
          .where('scope', '=', envScope),
      )
      .unionAll(
        db
          .selectFrom('flags')
          .select([sql<number>`2`.as('part'), ...documentColumns])
          .where('scope', '=', flagScope)
          .where('key', '=', flagKey),
      )
      // Environments in creation order, as EnvironmentStore.list gives them.
      .orderBy('part')
      .orderBy('created_at')
      .orderBy('id'),
);

export interface FlagWithParents {
  readonly project: StoredDocument<ProjectDoc>;
  readonly envs: StoredDocument<EnvironmentDoc>[];
  readonly flag: StoredDocument<FlagDoc>;
}

/** The flag, its project and the project's environments; a 404 naming what is missing. */
export async function loadFlagWithParents(
  db: Executor,
  projectKey: string,
  flagKey: string,
): Promise<FlagWithParents> {
  const rows = (await withParents.all(
    db,
    '',
    projectKey,
    projectKey,
    projectKey,
    flagKey,
  )) as (DocumentRow & {
    part: number;
  })[];
  let project: StoredDocument<ProjectDoc> | undefined;
  let flag: StoredDocument<FlagDoc> | undefined;
  const envs: StoredDocument<EnvironmentDoc>[] = [];
  for (const row of rows) {
    const part = Number(row.part);
    // `part` says which of the three reads a row answers.
    if (part === 0) project = toStored<ProjectDoc>(row);
    else if (part === 1) envs.push(toStored<EnvironmentDoc>(row));
    else flag = toStored<FlagDoc>(row);
  }
  if (project === undefined) throw new NotFoundError(`Project "${projectKey}" not found`);
  if (flag === undefined) throw new NotFoundError(`Flag "${flagKey}" not found in project "${projectKey}"`);
  return { project, envs, flag };
}
