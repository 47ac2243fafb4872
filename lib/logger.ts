// Structured JSON logs (pino). Request and workflow ids are added as child-logger bindings.
// Secrets never reach a log line: the redact list covers keys and personal fields.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', name = 'opencis'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        '*.apiKey',
        '*.key',
        '*.dateOfBirth',
        '*.bankAccountNumber',
      ],
      censor: '[redacted]',
    },
  });
}
