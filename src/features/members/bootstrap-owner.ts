import { randomUUID } from 'node:crypto';
import { ConflictError } from '../../errors/app-errors.js';
import { newId } from '../../shared/ids.js';
import { hashPassword, randomSecret } from '../../shared/passwords.js';
import { hashToken } from '../../shared/token-hash.js';
import type { ChangeLog } from '../audit/change-log.js';
import { access, resources } from '../audit/resource-path.js';
import type { MemberStore, TokenStore } from '../stores.js';
import type { TokenDoc } from '../tokens/token-model.js';
import type { MemberDoc } from './member-model.js';

export interface BootstrapInput {
  readonly email: string;
  readonly password: string | undefined;
  readonly token: string | undefined;
}

export interface BootstrapResult {
  readonly email: string;
  /** Set only when generated here, so the caller can print it once. */
  readonly generatedPassword: string | undefined;
  readonly generatedToken: string | undefined;
}

/**
 * On first start (no members), creates the owner and an admin access token. Returns undefined
 * when there are members already: a restart never creates or prints anything.
 */
export async function bootstrapOwner(
  stores: OwnerStores,
  changes: ChangeLog,
  input: BootstrapInput,
): Promise<BootstrapResult | undefined> {
  const password = input.password ?? randomSecret(12);
  const token = input.token ?? `api-${randomUUID()}`;
  const passwordHash = await hashPassword(password);
  try {
    return await bootstrap({ stores, changes, input, secrets: { password, token, passwordHash } });
  } catch (error) {
    // Several nodes booting at once on PostgreSQL: one creates the owner, the others lose the
    // race on the unique email and simply find the owner there.
    if (error instanceof ConflictError) return undefined;
    throw error;
  }
}

interface OwnerStores {
  readonly members: MemberStore;
  readonly tokens: TokenStore;
}

async function bootstrap({
  stores,
  changes,
  input,
  secrets: { password, token, passwordHash },
}: {
  stores: OwnerStores;
  changes: ChangeLog;
  input: BootstrapInput;
  secrets: { password: string; token: string; passwordHash: string };
}): Promise<BootstrapResult | undefined> {
  return changes.transact(async (tx, record) => {
    const existing = await tx.selectFrom('members').select('id').limit(1).executeTakeFirst();
    if (existing !== undefined) return undefined;
    const now = changes.now();
    const memberId = newId();
    const member: MemberDoc = {
      email: input.email,
      firstName: '',
      lastName: '',
      role: 'owner',
      customRoles: [],
      _pendingInvite: false,
      _lastSeen: 0,
      creationDate: now,
    };
    await stores.members.insert(tx, {
      id: memberId,
      scope: '',
      key: memberId,
      doc: member,
      createdAt: now,
      lookup: input.email.toLowerCase(),
      secret: passwordHash,
    });
    const tokenId = newId();
    const tokenDoc: TokenDoc = {
      ownerId: memberId,
      memberId,
      name: 'Admin token',
      description: 'Created at first start',
      role: 'admin',
      customRoleIds: [],
      inlineRole: [],
      serviceToken: false,
      defaultApiVersion: 20240415,
      token: `****${token.slice(-4)}`,
      creationDate: now,
      lastUsed: 0,
    };
    await stores.tokens.insert(tx, {
      id: tokenId,
      scope: '',
      key: tokenId,
      doc: tokenDoc,
      createdAt: now,
      lookup: hashToken(token),
    });
    const actor = { member: { _id: memberId, email: input.email, firstName: '', lastName: '' } };
    await record({
      kind: 'member',
      name: input.email,
      actor,
      accesses: [access('createMember', ...resources.member(memberId, input.email))],
      titleVerb: 'created the owner',
      sitePath: `/settings/members/${memberId}`,
      changes: ['Created the owner at first start'],
    });
    await record({
      kind: 'token',
      name: tokenDoc.name,
      actor,
      accesses: [access('createAccessToken', ...resources.token(memberId, tokenId))],
      titleVerb: 'created the access token',
      sitePath: `/settings/tokens/${tokenId}`,
      changes: ['Created an admin access token at first start'],
    });
    return {
      email: input.email,
      generatedPassword: input.password === undefined ? password : undefined,
      generatedToken: input.token === undefined ? token : undefined,
    };
  });
}
