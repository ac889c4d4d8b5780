import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ValidationError } from '../../errors/app-errors.js';
import { compilePolicy } from '../../policy/compile-policy.js';
import { compileSpecifier, matchesEntry } from '../../policy/evaluate-policy.js';
import { validatePolicy, validateSpecifier } from '../../policy/validate-policy.js';
import type { AuditEntry, AuditEntryDetail, TaggedAccess } from './audit-model.js';
import type { AuditPage, AuditStore } from './audit-store.js';

export interface AuditListQuery {
  readonly before?: number | undefined;
  readonly after?: number | undefined;
  readonly q?: string | undefined;
  /** A resource specifier: entries with at least one access on a matching resource. */
  readonly spec?: string | undefined;
  /** Policy statements: entries the policy would let through (the notification filter's rule). */
  readonly statements?: unknown;
  readonly limit: number;
  readonly cursor?: number | undefined;
  /** What the reader may see (see ReadAccess.canViewEntry): the rest is skipped as if absent. */
  readonly visible: Accept;
}

export type Accept = (accesses: readonly TaggedAccess[]) => boolean;

function specFilter(spec: string): Accept {
  const check = validateSpecifier(spec);
  if (!check.ok) throw ValidationError.at('query spec', check.message);
  const matches = compileSpecifier(spec);
  return (accesses) => accesses.some((a) => matches(a.resource));
}

function statementsFilter(statements: unknown): Accept {
  const result = validatePolicy(statements);
  if (!result.ok) throw new ValidationError(result.errors);
  const policy = compilePolicy(result.statements);
  return (accesses) => matchesEntry(policy, accesses);
}

/** An entry as the API answers it: with the account it belongs to, as LaunchDarkly's are. */
export type AccountEntry<E extends AuditEntry> = E & { readonly _accountId: string };

export class AuditService {
  private accountId: string | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: AuditStore,
  ) {}

  async list(
    query: AuditListQuery,
  ): Promise<Omit<AuditPage, 'items'> & { items: AccountEntry<AuditEntry>[] }> {
    const filters: Accept[] = [query.visible];
    if (query.spec !== undefined && query.spec !== '') filters.push(specFilter(query.spec));
    if (query.statements !== undefined) filters.push(statementsFilter(query.statements));
    const accept = (accesses: readonly TaggedAccess[]) => filters.every((f) => f(accesses));
    const page = await this.store.list(this.db, { ...query, accept });
    const _accountId = await this.account();
    return { ...page, items: page.items.map((e) => ({ ...e, _accountId })) };
  }

  async get(id: string, visible: Accept): Promise<AccountEntry<AuditEntryDetail> | undefined> {
    const entry = await this.store.get(this.db, id, visible);
    return entry === undefined ? undefined : { ...entry, _accountId: await this.account() };
  }

  /**
   * One installation is one account, and its id is its owner's: the first member, created with
   * the account at first start, who can be neither removed nor replaced (see bootstrap-owner.ts).
   */
  private async account(): Promise<string> {
    if (this.accountId !== undefined) return this.accountId;
    const first = await this.db
      .selectFrom('members')
      .select('id')
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (first === undefined) return '';
    this.accountId = first.id;
    return first.id;
  }
}
