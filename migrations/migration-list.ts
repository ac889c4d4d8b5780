import type { Migration } from 'kysely';
import * as m001 from './001-initial.js';
import * as m002 from './002-integrations-delivery.js';
import * as m003 from './003-sessions.js';
import * as m004 from './004-invitations.js';
import * as m005 from './005-sdk-keys.js';
import * as m006 from './006-flag-evaluations.js';
import * as m007 from './007-audit-search-without-ids.js';
import * as m008 from './008-list-columns.js';
import * as m009 from './009-delivery-queue-indexes.js';
import * as m010 from './010-integration-tests.js';
import * as m011 from './011-send-throttles.js';
import * as m012 from './012-rate-windows.js';

/**
 * Numbered, forward-only. A landed migration is never edited: add the next number instead.
 * Listed statically (not read from the directory) so the same code runs from src/ and dist/.
 */
export const migrations: Record<string, Migration> = {
  '001-initial': m001,
  '002-integrations-delivery': m002,
  '003-sessions': m003,
  '004-invitations': m004,
  '005-sdk-keys': m005,
  '006-flag-evaluations': m006,
  '007-audit-search-without-ids': m007,
  '008-list-columns': m008,
  '009-delivery-queue-indexes': m009,
  '010-integration-tests': m010,
  '011-send-throttles': m011,
  '012-rate-windows': m012,
};
