import type { Operation } from 'fast-json-patch';
import fjp from 'fast-json-patch';
import { ConflictError, ValidationError } from '../errors/app-errors.js';

export type PatchOperation = Operation;

export interface PatchRequest {
  readonly patch: readonly PatchOperation[];
  readonly comment: string | undefined;
}

const ops = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Accepts LaunchDarkly's two JSON Patch forms: a bare array, or `{patch, comment}`. */
export function parsePatchBody(body: unknown): PatchRequest {
  let patch: unknown;
  let comment: unknown;
  let base = '';
  if (Array.isArray(body)) {
    patch = body;
  } else if (typeof body === 'object' && body !== null) {
    const { patch: p, comment: c, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw ValidationError.at(`/${unknown}`, 'unknown field');
    if (!Array.isArray(p)) throw ValidationError.at('/patch', 'must be an array of JSON Patch operations');
    if (c !== undefined && typeof c !== 'string') throw ValidationError.at('/comment', 'must be a string');
    patch = p;
    comment = c;
    base = '/patch';
  } else {
    throw ValidationError.at('/', 'expected a JSON Patch array or {"patch": [...], "comment": "..."}');
  }
  const list = patch as unknown[];
  if (list.length === 0) throw ValidationError.at(base || '/', 'the patch is empty');
  list.forEach((op, i) => {
    const at = `${base}/${i}`;
    if (typeof op !== 'object' || op === null || Array.isArray(op))
      throw ValidationError.at(at, 'must be an object');
    const o = op as Record<string, unknown>;
    if (typeof o.op !== 'string' || !ops.has(o.op)) {
      throw ValidationError.at(`${at}/op`, 'must be one of add, remove, replace, move, copy, test');
    }
    if (typeof o.path !== 'string' || (o.path !== '' && !o.path.startsWith('/'))) {
      throw ValidationError.at(`${at}/path`, 'must be a JSON pointer such as /name');
    }
    if ((o.op === 'add' || o.op === 'replace' || o.op === 'test') && !('value' in o)) {
      throw ValidationError.at(`${at}/value`, 'is required');
    }
    if ((o.op === 'move' || o.op === 'copy') && typeof o.from !== 'string') {
      throw ValidationError.at(`${at}/from`, 'is required');
    }
  });
  return { patch: list as PatchOperation[], comment: comment as string | undefined };
}

/**
 * Applies a patch to a copy of `document`. A failed `test` means the document is not in the
 * state the client expected (typically a stale `_version`): that is a conflict, not bad input.
 */
export function applyJsonPatch<T>(document: T, patch: readonly PatchOperation[], base = ''): T {
  try {
    return fjp.applyPatch(structuredClone(document), patch as Operation[], true, true).newDocument;
  } catch (error) {
    if (error instanceof fjp.JsonPatchError) {
      const index = error.index ?? 0;
      const op = patch[index];
      if (error.name === 'TEST_OPERATION_FAILED') {
        throw new ConflictError(
          `Patch test failed at ${op?.path ?? '?'}: the resource has changed; reload and retry`,
        );
      }
      throw ValidationError.at(
        `${base}/${index}/path`,
        `cannot apply ${op?.op ?? 'operation'} at "${op?.path ?? ''}"`,
      );
    }
    throw error;
  }
}

/** Rejects patches that touched fields the server owns (`_id`, `key`, `_version`, …). */
export function assertUnchanged(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
  fields: readonly string[],
): void {
  for (const field of fields) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      throw ValidationError.at(`/${field}`, 'is read-only');
    }
  }
}
