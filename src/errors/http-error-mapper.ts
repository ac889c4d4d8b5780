import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  BadRequestError,
  ChangedMeanwhileError,
  ConflictError,
  DatabaseUnavailableError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './app-errors.js';
import { schemaSentence } from './schema-wording.js';

export interface ErrorBody {
  code: string;
  message: string;
  errors?: { pointer: string; message: string }[];
}

const statusByClass = new Map<unknown, number>([
  [ValidationError, 400],
  [BadRequestError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [ConflictError, 409],
  [ChangedMeanwhileError, 409],
  [UnsupportedMediaTypeError, 415],
  [RateLimitedError, 429],
  [DatabaseUnavailableError, 503],
]);

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns Ajv's schema errors into JSON pointers with a reason that reads as a sentence. */
function fromAjv(issues: readonly AjvIssue[], context: string | undefined): ErrorBody {
  const prefix = context === 'querystring' ? 'query ' : context === 'params' ? 'path ' : '';
  const errors = issues.map((issue) => {
    let pointer = issue.instancePath;
    let message = schemaSentence(issue) ?? issue.message ?? 'is invalid';
    if (issue.keyword === 'additionalProperties') {
      const field = String(issue.params.additionalProperty);
      pointer = `${pointer}/${field.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      message = 'unknown field';
    } else if (issue.keyword === 'required') {
      pointer = `${pointer}/${String(issue.params.missingProperty)}`;
      message = 'is required';
    }
    return { pointer: `${prefix}${pointer || '/'}`, message };
  });
  return {
    code: 'invalid_request',
    message: errors.map((e) => `${e.pointer}: ${e.message}`).join('; '),
    errors,
  };
}

export function mapError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof AppError) {
    const status = statusByClass.get(error.constructor) ?? 500;
    const body: ErrorBody = { code: error.code, message: error.message };
    if (error instanceof ValidationError) body.errors = error.problems.map((p) => ({ ...p }));
    return { status, body };
  }
  const fe = error as Partial<FastifyError> & { validation?: AjvIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    return { status: 400, body: fromAjv(fe.validation, fe.validationContext) };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        body: { code: 'invalid_request', message: `Malformed JSON body: ${fe.message ?? ''}`.trim() },
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: { code: 'request_entity_too_large', message: 'Request body is too large' },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: { code: 'unsupported_media_type', message: 'Unsupported Content-Type; send application/json' },
      };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { code: 'invalid_request', message: fe.message ?? 'Bad request' } };
  }
  return { status: 500, body: { code: 'internal_server_error', message: 'Internal server error' } };
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = mapError(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  if (error instanceof RateLimitedError)
    void reply.header('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
  if (error instanceof MethodNotAllowedError) void reply.header('allow', error.allow.join(', '));
  // A new connection is opened for the next request: worth trying again at once.
  if (error instanceof DatabaseUnavailableError) void reply.header('retry-after', '1');
  void reply.status(status).send(body);
}
