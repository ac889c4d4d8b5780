import type { Operation } from 'fast-json-patch';
import fjp from 'fast-json-patch';
import { ConflictError, ValidationError } from '../errors/app-errors.js';
import { jsonEqual } from '../shared/json-equal.js';
import { applyMergePatch, checkMergeDocument, type MergeDocument } from './merge-patch.js';

export type PatchOperation = Operation;

export interface PatchRequest {
  /** Empty for a merge patch. */
  readonly patch: readonly PatchOperation[];
  readonly comment: string | undefined;
  /** A JSON merge patch (RFC 7386) instead of `patch`, where the route takes one. */
  readonly merge?: MergeDocument;
}

export interface PatchBodyOptions {
  /** Also take `{"merge": {…}, "comment": "…"}` (and application/merge-patch+json, parsed so). */
  readonly merge?: boolean;
}

const ops = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

// A pointer through these reaches an object's prototype, not its data: fast-json-patch throws a
// TypeError on some (a 500) and copies `Object` itself on others. No resource field has these
// names, so a pointer may not name them anywhere; a free-form value (a custom property, a JSON
// variation) that holds such a key can still be replaced whole.
const reservedTokens = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Accepts LaunchDarkly's two JSON Patch forms: a bare array, or `{patch, comment}`; with
 * `merge`, also its JSON merge patch form `{merge, comment}`.
 */
export function parsePatchBody(body: unknown, options: PatchBodyOptions = {}): PatchRequest {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'merge' in body) {
    return parseMergeBody(body as Record<string, unknown>, options);
  }
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
    for (const field of ['path', 'from'] as const) {
      const pointer = o[field];
      if (typeof pointer !== 'string') continue;
      const banned = tokens(pointer).find((t) => reservedTokens.has(t));
      if (banned !== undefined) throw ValidationError.at(`${at}/${field}`, `must not go through "${banned}"`);
    }
  });
  return { patch: list as PatchOperation[], comment: comment as string | undefined };
}

function parseMergeBody(body: Record<string, unknown>, options: PatchBodyOptions): PatchRequest {
  if (options.merge !== true) {
    throw ValidationError.at('/merge', 'JSON merge patch is not supported here; send a JSON Patch');
  }
  const { merge, comment, ...rest } = body;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw ValidationError.at(`/${unknown}`, 'unknown field');
  if (comment !== undefined && typeof comment !== 'string') {
    throw ValidationError.at('/comment', 'must be a string');
  }
  return { patch: [], comment, merge: checkMergeDocument(merge, '/merge') };
}

/** Applies the request's JSON Patch or merge patch to a copy of `document` (see applyJsonPatch). */
export function applyPatchRequest<T>(document: T, request: PatchRequest): T {
  return request.merge === undefined
    ? applyJsonPatch(document, request.patch, '/patch')
    : applyMergePatch(document, request.merge);
}

/** What the audit entry records as the change asked for: the operations, or the merge document. */
export function patchDelta(request: PatchRequest): unknown {
  return request.merge ?? request.patch;
}

/** The reference tokens of a JSON pointer (`/a~1b/c` → `a/b`, `c`). */
function tokens(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Shallow-copies every object and array on `pointer`'s way (the parent of its last token
 * included) inside `root`, which is already a copy: a patch mutates only what lies on its
 * paths, so the rest can stay shared with the original instead of deep-cloning a whole flag
 * (10 µs of every toggle).
 */
function copyAlong(root: Record<string, unknown>, pointer: string): void {
  let container: unknown = root;
  const path = tokens(pointer);
  for (let i = 0; i < path.length - 1; i++) {
    if (typeof container !== 'object' || container === null) return;
    const holder = container as Record<string, unknown>;
    const key = path[i] as string;
    if (!Object.hasOwn(holder, key)) return;
    const child = holder[key];
    if (typeof child !== 'object' || child === null) return;
    const copy = Array.isArray(child) ? [...child] : { ...(child as Record<string, unknown>) };
    holder[key] = copy;
    container = copy;
  }
}

/**
 * Applies a patch to a copy of `document`, which is left as it was; parts the patch does not
 * touch are shared between the two, so treat both as read-only. A failed `test` means the
 * document is not in the state the client expected (typically a stale `_version`): that is a
 * conflict, not bad input.
 */
export function applyJsonPatch<T>(document: T, patch: readonly PatchOperation[], base = ''): T {
  try {
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      return fjp.applyPatch(structuredClone(document), patch as Operation[], true, true).newDocument;
    }
    let current: unknown = { ...(document as Record<string, unknown>) };
    patch.forEach((op, index) => {
      // Copied just before each operation, on the document as the earlier ones left it (a
      // value moved elsewhere is still the original's until a later path runs through it).
      if (op.op !== 'test' && typeof current === 'object' && current !== null) {
        copyAlong(current as Record<string, unknown>, op.path);
        if (op.op === 'move') copyAlong(current as Record<string, unknown>, op.from);
      }
      // A value the patch adds is the request's own: copied, so that a later operation cannot
      // edit the request body, or another place the same value went.
      const own = 'value' in op ? { ...op, value: structuredClone(op.value) } : op;
      try {
        current = fjp.applyOperation(current, own as Operation, true, true, true, index).newDocument;
      } catch (error) {
        // fast-json-patch reports an unresolvable path as operation 0 whatever its place.
        if (error instanceof fjp.JsonPatchError) error.index = index;
        throw error;
      }
    });
    return current as T;
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
    if (!jsonEqual(before[field], after[field])) {
      throw ValidationError.at(`/${field}`, 'is read-only');
    }
  }
}
