import type { StoredDocument } from '../../db/document-store.js';
import { authorizeChange } from '../access/authorize.js';
import type { ChangeInput } from '../audit/change-log.js';
import type { FlagDoc } from './flag-model.js';

/** How a flag PATCH is applied: `dryRun` validates and answers the would-be flag, writing nothing. */
export interface FlagWriteOptions {
  readonly dryRun?: boolean | undefined;
}

/**
 * What a dry run does where a real change records its audit entry: the same authorization
 * (the actor may make exactly this change, tags included), and nothing else: no entry, no
 * delivery, no SDK change, so a dry run is refused where the change would be, and only there.
 */
export async function authorizeOnly(change: ChangeInput): Promise<void> {
  authorizeChange(change);
}

/** The flag as the write would store it: its document, one version later. */
export function wouldBeStored(stored: StoredDocument<FlagDoc>, doc: FlagDoc): StoredDocument<FlagDoc> {
  return { ...stored, doc, version: stored.version + 1 };
}
