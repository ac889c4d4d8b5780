import { ValidationError } from '../../errors/app-errors.js';
import { type Context, parseContext } from '../../evaluation/context.js';

/**
 * The largest context a client-side or mobile SDK may send, as JSON bytes. Real contexts are a
 * few hundred bytes; the bound keeps one request from costing a megabyte of parsing and, on a
 * stream, from being held in memory for as long as the connection lasts.
 */
export const maxContextBytes = 64 * 1024;

/** Base64 text at most this long decodes to at most `maxContextBytes`. */
export const maxEncodedContextLength = Math.ceil(maxContextBytes / 3) * 4;

/** A context that a request sent: parsed, and its JSON text (identical contexts, identical text). */
export interface ClientContext {
  readonly context: Context;
  /** The context's JSON as the SDK sent it, re-serialized: groups streams of the same context. */
  readonly canonical: string;
}

/** Thrown for a context over `maxContextBytes`: answered 413. */
export class ContextTooLargeError extends Error {
  constructor() {
    super(`The context is larger than ${maxContextBytes} bytes`);
    this.name = 'ContextTooLargeError';
  }
}

const base64url = /^[A-Za-z0-9_-]*={0,2}$/;
const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The context of a GET path: base64url of its JSON (the SDKs' encoding; plain base64 is taken
 * too, as some older SDKs sent it). Pointers name the path segment, then the JSON inside it.
 */
export function contextFromPath(encoded: string): ClientContext {
  if (encoded.length > maxEncodedContextLength) throw new ContextTooLargeError();
  if (encoded === '' || !(base64url.test(encoded) || base64.test(encoded)))
    throw ValidationError.at('path /context', 'must be the context JSON in base64url');
  const text = Buffer.from(encoded, base64url.test(encoded) ? 'base64url' : 'base64').toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw ValidationError.at('path /context', 'is base64url of something that is not JSON');
  }
  return readContext(json, 'path /context');
}

/** The context of a REPORT body, already parsed as JSON by the app (within its body limit). */
export function contextFromBody(body: unknown): ClientContext {
  return readContext(body, '');
}

function readContext(json: unknown, at: string): ClientContext {
  const canonical = JSON.stringify(json) ?? '';
  if (Buffer.byteLength(canonical) > maxContextBytes) throw new ContextTooLargeError();
  const parsed = parseContext(json);
  if (!parsed.ok) {
    throw new ValidationError(
      parsed.problems.map((p) => ({
        pointer: at === '' ? p.pointer || '/' : `${at}${p.pointer}`,
        message: p.message,
      })),
    );
  }
  return { context: parsed.context, canonical };
}
