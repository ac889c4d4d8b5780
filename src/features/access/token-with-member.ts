import { documentText } from '../../db/document-query.js';
import { type DocumentRow, type StoredDocument, toStored } from '../../db/document-store.js';
import { prepareQuery } from '../../db/prepared-query.js';
import type { Executor } from '../../db/schema.js';
import type { MemberDoc } from '../members/member-model.js';
import type { TokenDoc } from '../tokens/token-model.js';

/** The token with this lookup hash, joined to the member its document names. */
const byLookup = prepareQuery((db, lookup: string) =>
  db
    .selectFrom('access_tokens as t')
    .leftJoin('members as m', (join) => join.on('m.id', '=', documentText(db, 't.doc', 'memberId')))
    .select([
      't.id',
      't.scope',
      't.key',
      't.doc',
      't.version',
      't.created_at',
      'm.id as m_id',
      'm.scope as m_scope',
      'm.key as m_key',
      'm.doc as m_doc',
      'm.version as m_version',
      'm.created_at as m_created_at',
    ])
    .where('t.lookup', '=', lookup),
);

export interface TokenWithMember {
  readonly token: StoredDocument<TokenDoc>;
  /** Undefined when the member is gone. */
  readonly member: StoredDocument<MemberDoc> | undefined;
}

/**
 * The access token with this lookup hash and the member it belongs to, in one statement: every
 * API request authenticates, and on PostgreSQL each statement is a network round trip.
 */
export async function tokenWithMember(db: Executor, lookup: string): Promise<TokenWithMember | undefined> {
  const row = await byLookup.first(db, lookup);
  if (row === undefined) return undefined;
  const token = toStored<TokenDoc>(row);
  if (row.m_id === null) return { token, member: undefined };
  const member: DocumentRow = {
    id: row.m_id,
    scope: row.m_scope ?? '',
    key: row.m_key ?? '',
    doc: row.m_doc ?? 'null',
    version: Number(row.m_version),
    created_at: Number(row.m_created_at),
  };
  return { token, member: toStored<MemberDoc>(member) };
}
