import { type Kysely, sql } from 'kysely';
import { hasBegun } from '../../db/deferred-begin.js';
import { type DocumentRow, documentColumns, type StoredDocument, toStored } from '../../db/document-store.js';
import { prepareQuery } from '../../db/prepared-query.js';
import type { Database, Executor } from '../../db/schema.js';
import { NotFoundError } from '../../errors/app-errors.js';
import { TurnBatch } from '../../shared/turn-batch.js';
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

type PartRow = DocumentRow & { part: number };

/** The flag, its project and the project's environments; a 404 naming what is missing. */
async function loadFlagWithParents(
  db: Executor,
  projectKey: string,
  flagKey: string,
): Promise<FlagWithParents> {
  const rows = (await withParents.all(db, '', projectKey, projectKey, projectKey, flagKey)) as PartRow[];
  return fromParts(rows, projectKey, flagKey);
}

/**
 * Several flags of one project with their parents, in one statement: the project, its
 * environments, and each of `flagKeys` that exists (a query built anew, unlike `withParents`:
 * its number of keys varies).
 */
function flagsWithParents(db: Executor, projectKey: string, flagKeys: readonly string[]): Promise<PartRow[]> {
  const documents = (table: 'projects' | 'environments' | 'flags', part: number) =>
    (db as Kysely<Database>)
      .selectFrom(table)
      .select([sql<number>`${sql.lit(part)}`.as('part'), ...documentColumns]);
  return documents('projects', 0)
    .where('scope', '=', '')
    .where('key', '=', projectKey)
    .unionAll(documents('environments', 1).where('scope', '=', projectKey))
    .unionAll(documents('flags', 2).where('scope', '=', projectKey).where('key', 'in', flagKeys))
    .orderBy('part')
    .orderBy('created_at')
    .orderBy('id')
    .execute() as Promise<PartRow[]>;
}

/** One flag's answer from the rows of a read (`part` says which of the three reads a row answers). */
function fromParts(rows: readonly PartRow[], projectKey: string, flagKey: string): FlagWithParents {
  let project: StoredDocument<ProjectDoc> | undefined;
  let flag: StoredDocument<FlagDoc> | undefined;
  const envs: StoredDocument<EnvironmentDoc>[] = [];
  for (const row of rows) {
    const part = Number(row.part);
    if (part === 0) project = toStored<ProjectDoc>(row);
    else if (part === 1) envs.push(toStored<EnvironmentDoc>(row));
    else if (row.key === flagKey) flag = toStored<FlagDoc>(row);
  }
  if (project === undefined) throw new NotFoundError(`Project "${projectKey}" not found`);
  if (flag === undefined) throw new NotFoundError(`Flag "${flagKey}" not found in project "${projectKey}"`);
  return { project, envs, flag };
}

interface FlagAsked {
  /** The asking change's transaction, which has sent nothing yet, or the pool (`early`). */
  readonly tx: Executor;
  readonly projectKey: string;
  readonly flagKey: string;
}

/**
 * A change's first read, sent when its request arrived (`FlagLoader.early`), before the request
 * was authenticated: the two round trips go at once. Taken once, by the request's first run of
 * its change; a run again after a lost compare-and-set reads anew.
 */
export class EarlyFlagRead {
  private taken = false;

  constructor(
    private readonly projectKey: string,
    private readonly flagKey: string,
    private readonly read: Promise<FlagWithParents>,
  ) {
    // Never awaited if the request is refused first (a wrong token, a bad body).
    read.catch(() => undefined);
  }

  /** The read, if it is of this flag and not taken yet. */
  take(projectKey: string, flagKey: string): Promise<FlagWithParents> | undefined {
    if (this.taken || projectKey !== this.projectKey || flagKey !== this.flagKey) return undefined;
    this.taken = true;
    return this.read;
  }
}

/**
 * Where every change to a flag starts (`FlagService`): its flag, project and environments. With
 * `share` (PostgreSQL, where each statement is a round trip), the changes that ask in one
 * event-loop turn read their project's flags in one statement (`TurnBatch`), sent on the first
 * asker's connection: eight clients toggling eight flags read one flag per statement before.
 *
 * The read may run on another change's connection, which is the same under READ COMMITTED only
 * while neither transaction has begun (db/deferred-begin.ts holds `begin` until the first write):
 * a change that has begun reads on its own. Each change gets documents of its own to read.
 */
export class FlagLoader {
  private readonly shared: TurnBatch<number, FlagWithParents, FlagAsked> | undefined;
  private asked = 0;

  /** `db`, with `share`: where reads sent before a change's transaction go (`early`). */
  constructor(
    share: boolean,
    private readonly db?: Kysely<Database>,
  ) {
    if (share) this.shared = new TurnBatch((_, asked) => this.readTogether(asked));
  }

  /**
   * A change's first read, started as its request arrives (PostgreSQL): it goes with the
   * request's token lookup instead of a round trip after it. Under READ COMMITTED it reads what
   * the change's own first read would, a moment earlier; it is sent after the request arrived,
   * so it sees every change answered before, and what changes after it fails the change's
   * compare-and-set, which runs the change again on a fresh read. Undefined where a read costs
   * no round trip (SQLite).
   */
  early(projectKey: string, flagKey: string): EarlyFlagRead | undefined {
    if (this.shared === undefined || this.db === undefined) return undefined;
    return new EarlyFlagRead(projectKey, flagKey, this.sharedRead(this.db, projectKey, flagKey));
  }

  async load(
    tx: Executor,
    projectKey: string,
    flagKey: string,
    early?: EarlyFlagRead,
  ): Promise<FlagWithParents> {
    // A change that has written already reads in its own transaction, where its writes are.
    if (this.shared === undefined || (await hasBegun(tx)))
      return loadFlagWithParents(tx, projectKey, flagKey);
    return early?.take(projectKey, flagKey) ?? this.sharedRead(tx, projectKey, flagKey);
  }

  private sharedRead(tx: Executor, projectKey: string, flagKey: string): Promise<FlagWithParents> {
    const shared = this.shared as TurnBatch<number, FlagWithParents, FlagAsked>;
    this.asked = (this.asked + 1) % Number.MAX_SAFE_INTEGER;
    return shared.get(this.asked, { tx, projectKey, flagKey });
  }

  /** One statement per project asked for, each on the connection of its first asker. */
  private async readTogether(asked: readonly FlagAsked[]): Promise<PromiseSettledResult<FlagWithParents>[]> {
    const byProject = new Map<string, FlagAsked[]>();
    for (const a of asked) byProject.set(a.projectKey, [...(byProject.get(a.projectKey) ?? []), a]);
    const rows = new Map<string, Promise<PartRow[]>>();
    for (const [projectKey, group] of byProject) {
      const first = group[0] as FlagAsked;
      const keys = [...new Set(group.map((a) => a.flagKey))];
      rows.set(
        projectKey,
        keys.length === 1
          ? (withParents.all(first.tx, '', projectKey, projectKey, projectKey, first.flagKey) as Promise<
              PartRow[]
            >)
          : flagsWithParents(first.tx, projectKey, keys),
      );
    }
    return Promise.allSettled(
      asked.map(async (a) =>
        fromParts(await (rows.get(a.projectKey) as Promise<PartRow[]>), a.projectKey, a.flagKey),
      ),
    );
  }
}
