import type { LoggerOptions } from 'pino';

/** Paths of values that must never reach a log line. */
const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.token',
  '*.password',
  '*.secret',
  'config.token',
];

/** The process's logger settings, shared by its threads (main.ts, delivery-thread-main.ts). */
export function loggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: redactedPaths, censor: '[redacted]' } };
}
