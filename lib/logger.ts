// Structured JSON logs (pino). Request and workflow ids are added as child-logger bindings.
// Secrets never reach a log line: no code path logs request bodies or headers, and in case one
// ever does (an error object carrying the raw body, a header dump while debugging), every field
// that can hold a credential or personal data is redacted by name, wherever it sits.
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Field names whose values never appear in a log line. Header names are lower case (as Node
 * gives them); the rest are the API's and the schema's names for the same things.
 */
export const REDACTED_FIELDS = [
  // credentials
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'x-api-key',
  'apiKey',
  'key',
  'keyHash',
  'password',
  'passphrase',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'csrf',
  'csrfToken',
  'session',
  'sessionId',
  // personal data
  'accountNumber',
  'bankAccountNumber',
  'dfiAccountNumber',
  'accountNumberEnc',
  'achAccountNumberEnc',
  'dateOfBirth',
  'dateOfBirthEnc',
  // whole request bodies (a body-parser error carries the raw body it could not parse) and bank
  // files, whose entry records hold account numbers
  'body',
  'rawBody',
  'content',
] as const;

/** How deep below the top of a log object a redacted field is still found. */
const REDACT_DEPTH = 4;

/** pino redact paths for every field name at every depth up to REDACT_DEPTH. */
export function redactPaths(fields: readonly string[] = REDACTED_FIELDS): string[] {
  const paths: string[] = [];
  for (const name of fields) {
    const plain = /^[A-Za-z_$][\w$]*$/.test(name);
    for (let depth = 0; depth <= REDACT_DEPTH; depth++) {
      const prefix = Array.from({ length: depth }, () => '*').join('.');
      const last = plain ? name : `["${name}"]`;
      paths.push(prefix === '' ? last : plain ? `${prefix}.${last}` : `${prefix}${last}`);
    }
  }
  return paths;
}

export function createLogger(
  level = process.env.LOG_LEVEL ?? 'info',
  name = 'opencis',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: redactPaths(), censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
