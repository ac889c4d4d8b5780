import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/features/access/authenticator.js';
import { createStores } from '../../src/features/stores.js';
import { type LoggedPostgres, loggedPostgres } from '../helpers/logged-postgres.js';
import { adminToken, type TestSwitchboard } from '../helpers/test-switchboard.js';

/**
 * On PostgreSQL, requests with one access token in the same event-loop turn share its lookup
 * (`TurnBatch`): one statement, not one per request. What must not change: each request gets
 * the rights of its own token, as stored when it asked.
 */

let t: TestSwitchboard;
let logged: LoggedPostgres;
/** The token lookups that reached PostgreSQL. */
let lookups: CompiledQuery[];
let authenticator: Authenticator;

beforeAll(async () => {
  logged = await loggedPostgres((text) => text.includes('from "access_tokens"'), 4);
  ({ t, logged: lookups } = logged);
  authenticator = new Authenticator({
    db: logged.db,
    roles: createStores().roles,
    // Sessions are not what these tests are about; a cookie never reaches them.
    sessions: { authenticate: () => Promise.reject(new Error('no sessions here')) },
    shareLookups: true,
  });
});
afterAll(async () => {
  await logged?.close();
});
beforeEach(() => {
  lookups.length = 0;
});

async function newToken(name: string, role: 'reader' | 'writer'): Promise<{ id: string; token: string }> {
  const created = await t.api('POST', '/api/v2/tokens', { name, role });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body._id, token: created.body.token };
}

describe('token lookups shared within a turn (PostgreSQL)', () => {
  it('looks a token up once for the requests that carry it in one turn', async () => {
    const principals = await Promise.all(
      Array.from({ length: 8 }, () => authenticator.authenticate(adminToken)),
    );
    expect(lookups).toHaveLength(1);
    expect(new Set(principals.map((p) => p.memberId)).size).toBe(1);
  });

  it('gives each token its own rights when several are looked up in one turn', async () => {
    const reader = await newToken('reader', 'reader');
    const writer = await newToken('writer', 'writer');
    const asked = [reader, writer, reader, writer].map((k) => authenticator.authenticate(k.token));
    const [r1, w1, r2, w2] = await Promise.all(asked);
    expect(lookups).toHaveLength(2);
    expect([r1?.tokenId, r2?.tokenId]).toEqual([reader.id, reader.id]);
    expect([w1?.tokenId, w2?.tokenId]).toEqual([writer.id, writer.id]);
    expect(r1?.permissions.statements).not.toEqual(w1?.permissions.statements);
  });

  it('refuses a token deleted after an earlier turn looked it up', async () => {
    const doomed = await newToken('doomed', 'writer');
    const before = authenticator.authenticate(doomed.token);
    await nextTurn();
    expect((await t.api('DELETE', `/api/v2/tokens/${doomed.id}`)).status).toBe(204);
    await expect(before).resolves.toMatchObject({ tokenId: doomed.id });
    await expect(authenticator.authenticate(doomed.token)).rejects.toThrow('Invalid access token');
    expect(lookups).toHaveLength(2);
  });
});
