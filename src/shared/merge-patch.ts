import { ValidationError } from '../errors/app-errors.js';

/** RFC 7386's media type; its body is the merge document itself. */
export const mergePatchContentType = 'application/merge-patch+json';

/** What a PATCH that also takes a merge patch accepts, as its OpenAPI `consumes` lists it. */
export const patchContentTypes = ['application/json', 'application/json-patch+json', mergePatchContentType];

export type MergeDocument = Readonly<Record<string, unknown>>;

// As in json-patch.ts: these names reach an object's prototype, not its data.
const reservedKeys = new Set(['__proto__', 'constructor', 'prototype']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses a merge document that is not an object or names a prototype key anywhere. */
export function checkMergeDocument(merge: unknown, at: string): MergeDocument {
  if (!isObject(merge)) throw ValidationError.at(at, 'must be an object (a JSON merge patch)');
  const walk = (value: unknown, pointer: string): void => {
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const here = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (reservedKeys.has(key)) throw ValidationError.at(here, `must not name "${key}"`);
      walk(child, here);
    }
  };
  walk(merge, at);
  return merge;
}

/**
 * RFC 7386: an object merges key by key into the target (an object, else it replaces it), `null`
 * removes a key, anything else (arrays included) replaces the value whole. `document` is left as
 * it was; the result shares what the merge does not touch, so treat both as read-only.
 */
export function applyMergePatch<T>(document: T, merge: unknown): T {
  return mergeValue(document, merge) as T;
}

function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergeValue(Object.hasOwn(result, key) ? result[key] : undefined, value);
  }
  return result;
}
