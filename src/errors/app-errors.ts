/**
 * The application's error family. Services throw these; only the HTTP error mapper turns them
 * into a status code and a LaunchDarkly-style body (`{"code", "message"}`).
 */
export abstract class AppError extends Error {
  abstract readonly code: string;
}

export interface FieldProblem {
  /** JSON pointer into the request body (or the patched document), e.g. `/environments/production/on`. */
  readonly pointer: string;
  readonly message: string;
}

export class ValidationError extends AppError {
  readonly code = 'invalid_request';
  constructor(
    readonly problems: readonly FieldProblem[],
    summary?: string,
  ) {
    super(summary ?? problems.map((p) => `${p.pointer || '/'}: ${p.message}`).join('; '));
    this.name = 'ValidationError';
  }

  static at(pointer: string, message: string): ValidationError {
    return new ValidationError([{ pointer, message }]);
  }
}

/**
 * A refused request that LaunchDarkly answers 400 with a code of its own rather than
 * `invalid_request` (e.g. `email_already_exists_in_account`), which scripts branch on.
 */
export class BadRequestError extends AppError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BadRequestError';
  }
}

export class NotFoundError extends AppError {
  readonly code = 'not_found';
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends AppError {
  readonly code = 'conflict';
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/**
 * A write's compare-and-set found its document at another version than the change read: another
 * change committed in between. Nothing of the change was written; `ChangeLog` runs it again on
 * what is there now, and only when that keeps failing does the client get this 409.
 */
export class ChangedMeanwhileError extends ConflictError {
  constructor(message: string) {
    super(message);
    this.name = 'ChangedMeanwhileError';
  }
}

export class UnauthorizedError extends AppError {
  readonly code = 'unauthorized';
  constructor(message = 'Invalid or missing access token') {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends AppError {
  readonly code = 'forbidden';
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export class RateLimitedError extends AppError {
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

/** The path exists, but not with this method; `allow` lists the methods it has. */
export class MethodNotAllowedError extends AppError {
  readonly code = 'method_not_allowed';
  constructor(
    message: string,
    readonly allow: readonly string[],
  ) {
    super(message);
    this.name = 'MethodNotAllowedError';
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'unsupported_media_type';
  constructor(message = 'Unsupported Content-Type; send application/json') {
    super(message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/**
 * The database did not answer in time (its connection was closed as lost). What the request
 * sent may still have been applied, as after any lost connection: a change is one statement or
 * one transaction, so it was made whole or not at all.
 */
export class DatabaseUnavailableError extends AppError {
  readonly code = 'service_unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}
