import type { ChangeInput } from './change-log.js';

/** What an audit entry holds where a secret was. */
export const redacted = '[redacted]';

/**
 * Secrets at least this long are also cut out of longer text (a token pasted into a comment or
 * a name). A shorter one is replaced only where it is a whole value: searched for inside text,
 * a two-letter secret would shred every word that contains it.
 */
const shortestEmbedded = 8;

function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (out === secret) return redacted;
    if (secret.length >= shortestEmbedded) out = out.replaceAll(secret, redacted);
  }
  return out;
}

/**
 * `value` with every occurrence of a secret replaced, in strings and object keys at any depth.
 * This works on what is recorded, not on how the request was shaped, so no form of patch (a
 * whole-document replace, a `test` op, a secret in the wrong field) carries one through.
 */
export function redactValues(value: unknown, secrets: readonly string[]): unknown {
  const real = secrets.filter((s) => s !== '');
  if (real.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, real);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [redactText(k, real), walk(inner)]));
    return v;
  };
  return walk(value);
}

const escapeToken = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * `value`, which sits at `pointer` in the document, with whatever lies at or under one of the
 * `secretPointers` masked. Structural: it catches a secret the value-based pass cannot know, such
 * as one that failed validation and was never stored.
 */
export function maskAt(value: unknown, pointer: string, secretPointers: readonly string[]): unknown {
  if (secretPointers.some((p) => pointer === p || pointer.startsWith(`${p}/`))) return redacted;
  // Nothing below this point can be a secret field: keep the value as it is.
  if (!secretPointers.some((p) => p.startsWith(`${pointer}/`))) return value;
  if (Array.isArray(value)) return value.map((v, i) => maskAt(v, `${pointer}/${i}`, secretPointers));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, maskAt(v, `${pointer}/${escapeToken(k)}`, secretPointers)]),
    );
  return value;
}

/** A JSON Patch with the values that land on (or contain) a secret field masked. */
export function maskPatch(patch: readonly unknown[], secretPointers: readonly string[]): unknown[] {
  return patch.map((op) => {
    if (typeof op !== 'object' || op === null || !('value' in op)) return op;
    const path = 'path' in op && typeof op.path === 'string' ? op.path : '';
    return { ...op, value: maskAt(op.value, path, secretPointers) };
  });
}

export interface SecretsOfChange {
  /** Every secret value of the resource before and after the change (old and new). */
  readonly values: readonly (string | undefined)[];
  /** Where secret fields sit in the API document the patch applies to (`/config/token`, …). */
  readonly pointers: readonly string[];
}

/**
 * The change with its secrets gone from everything the audit entry keeps: name (and so the
 * title), comment, description lines, before and after versions, and the delta, which is masked
 * at the secret fields first and then searched for the values.
 */
export function withoutSecrets(change: ChangeInput, secrets: SecretsOfChange): ChangeInput {
  const values = secrets.values.filter((v): v is string => v !== undefined && v !== '');
  const scrub = <T>(v: T): T => redactValues(v, values) as T;
  const delta = Array.isArray(change.delta) ? maskPatch(change.delta, secrets.pointers) : change.delta;
  return {
    ...change,
    name: scrub(change.name),
    comment: scrub(change.comment),
    changes: scrub(change.changes),
    ...(change.parent === undefined ? {} : { parent: scrub(change.parent) }),
    previousVersion: scrub(change.previousVersion),
    currentVersion: scrub(change.currentVersion),
    delta: scrub(delta),
  };
}
