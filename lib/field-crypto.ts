// Field-level encryption for personal data at rest (dates of birth now, bank account numbers later).
//
// AES-256-GCM with a random 96-bit IV per value: GCM authenticates as well as encrypts, so a wrong
// key or an altered value fails loudly instead of decrypting to garbage. Each value is stored as a
// self-describing token `v1:<iv>:<tag>:<ciphertext>` (standard base64 parts), so a later format or
// key rotation can be introduced as `v2` without guessing what old rows contain. The version label
// is bound in as additional authenticated data, so a token cannot be relabelled as another format.
//
// The key comes from DATA_ENCRYPTION_KEY (32 bytes, base64 or hex). In development, where no key is
// configured, one is generated once into `<DATA_DIR>/encryption.key` so restarts can still decrypt
// what was written before; in production a missing key is a startup error, never a generated one.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ALGORITHM = 'aes-256-gcm';
const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_FILE_NAME = 'encryption.key';
const ENV_NAME = 'DATA_ENCRYPTION_KEY';
const HOW_TO_GENERATE = 'generate one with `openssl rand -base64 32`';

const HEX_64 = /^[0-9a-fA-F]{64}$/;
const HEX_ONLY = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Why a token could not be decrypted. */
export type FieldCryptoFailure = 'malformed' | 'unsupported_version' | 'authentication_failed';

export class FieldCryptoError extends Error {
  constructor(
    readonly reason: FieldCryptoFailure,
    message: string,
  ) {
    super(message);
    this.name = 'FieldCryptoError';
  }
}

/**
 * Parses a 32-byte key written as 64 hex characters or as base64 (standard or URL-safe, padding
 * optional). Throws an Error saying exactly what is wrong; the key itself is never echoed.
 * `source` names where the text came from, for the message.
 */
export function parseEncryptionKey(keyText: string, source = ENV_NAME): Buffer {
  const text = keyText.trim();
  const bad = (why: string) =>
    new Error(
      `${source} ${why}; it must be 32 bytes written as 64 hex characters or as base64 (44 characters ending in '='): ${HOW_TO_GENERATE}`,
    );
  if (text === '') throw bad('is empty');
  let key: Buffer;
  if (HEX_64.test(text)) {
    key = Buffer.from(text, 'hex');
  } else {
    const b64 = BASE64.test(text)
      ? text
      : BASE64URL.test(text)
        ? text.replace(/-/g, '+').replace(/_/g, '/')
        : null;
    if (b64 === null) {
      const at = [...text].findIndex((ch) => !/[A-Za-z0-9+/=_-]/.test(ch));
      if (at >= 0) throw bad(`contains a character that is neither hex nor base64 at position ${at + 1}`);
      if (/=[^=]/.test(text)) throw bad(`has '=' before the end (base64 padding may only come last)`);
      throw bad('mixes standard (+ /) and URL-safe (- _) base64 characters');
    }
    const unpadded = b64.replace(/=+$/, '');
    if (b64.includes('=') && b64.length % 4 !== 0)
      throw bad(`has base64 padding but ${text.length} characters (not a multiple of 4)`);
    if (unpadded.length % 4 === 1)
      throw bad(`has ${text.length} characters, which is not a possible base64 length`);
    key = Buffer.from(unpadded, 'base64');
    if (key.length !== KEY_BYTES) {
      const hexHint = HEX_ONLY.test(text)
        ? ` (if it is meant as hex: ${text.length} hex characters, not 64)`
        : '';
      throw bad(`decodes to ${key.length} bytes, not ${KEY_BYTES}${hexHint}`);
    }
  }
  if (key.every((b) => b === key[0])) throw bad('is one byte repeated (not a random key)');
  return key;
}

export interface LoadKeyOptions {
  /** Where the development key file lives (DATA_DIR). */
  dataDir: string;
  /** True in development: with no key configured, read or create `<dataDir>/encryption.key`. */
  allowGenerate: boolean;
}

/**
 * The data encryption key: DATA_ENCRYPTION_KEY when set; otherwise, only when `allowGenerate`
 * (development), the key file under `dataDir`, created with mode 0600 on first use.
 */
export function loadEncryptionKey(keyText: string | undefined, opts: LoadKeyOptions): Buffer {
  if (keyText !== undefined && keyText.trim() !== '') return parseEncryptionKey(keyText);
  if (!opts.allowGenerate) {
    throw new Error(
      `${ENV_NAME} is not set. It is required outside development: it encrypts dates of birth and bank ` +
        `account numbers at rest, and data written with one key cannot be read with another. ` +
        `Set it to 32 random bytes in base64 (${HOW_TO_GENERATE}) and keep it in your secret store.`,
    );
  }
  return readOrCreateKeyFile(path.join(opts.dataDir, KEY_FILE_NAME));
}

/**
 * Replaces the development key file with `key` (after `npm run keys:rotate`): written whole to a
 * private temporary file, then renamed over the old one, so a reader sees one key or the other.
 */
export function replaceKeyFile(file: string, key: Buffer): void {
  assertKey(key);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function readOrCreateKeyFile(file: string): Buffer {
  const existing = readKeyFile(file);
  if (existing) return existing;
  mkdirSync(path.dirname(file), { recursive: true });
  // Write the whole key to a private temporary file, then hard-link it into place: the link either
  // creates the key file complete or fails because another process (API and worker starting at
  // once) got there first, in which case its key is the one to use.
  const content = `${randomBytes(KEY_BYTES).toString('base64')}\n`;
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  try {
    chmodSync(tmp, 0o600); // the mode given at creation is narrowed by umask only, never widened; be exact
    linkSync(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') {
      // A filesystem without hard links: exclusive create is the next best thing.
      try {
        writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
      } catch (err2) {
        if ((err2 as NodeJS.ErrnoException).code !== 'EEXIST') throw err2;
      }
    } else if (code !== 'EEXIST') {
      throw err;
    }
  } finally {
    unlinkSync(tmp);
  }
  const created = readKeyFile(file);
  if (!created) throw new Error(`Could not create the development key file ${file}`);
  return created;
}

function readKeyFile(file: string): Buffer | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return parseEncryptionKey(text, `The key file ${file}`);
  } catch (err) {
    throw new Error(
      `${(err as Error).message}. Restore it from a backup; delete it only if nothing was ever encrypted with it.`,
    );
  }
}

function assertKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new Error(`The field encryption key must be a ${KEY_BYTES}-byte Buffer (use loadEncryptionKey)`);
  }
}

/** Encrypts one value into `v1:<iv b64>:<tag b64>:<ciphertext b64>`; a fresh random IV every call. */
export function encryptField(plain: string, key: Buffer): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(VERSION, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [
    VERSION,
    iv.toString('base64'),
    cipher.getAuthTag().toString('base64'),
    ciphertext.toString('base64'),
  ].join(':');
}

/** Decrypts a token from encryptField. Throws FieldCryptoError on a wrong key, tampering or a malformed token. */
export function decryptField(token: string, key: Buffer): string {
  assertKey(key);
  const parts = typeof token === 'string' ? token.split(':') : [];
  if (parts.length !== 4) {
    throw new FieldCryptoError(
      'malformed',
      'Not an encrypted field value: expected v1:<iv>:<tag>:<ciphertext>',
    );
  }
  const [version, ivText, tagText, dataText] = parts as [string, string, string, string];
  if (version !== VERSION) {
    throw new FieldCryptoError(
      'unsupported_version',
      `Encrypted field has format '${version}'; this code reads '${VERSION}'`,
    );
  }
  const iv = decodePart(ivText, 'IV');
  const tag = decodePart(tagText, 'authentication tag');
  const data = decodePart(dataText, 'ciphertext');
  if (iv.length !== IV_BYTES)
    throw new FieldCryptoError('malformed', `Encrypted field IV is ${iv.length} bytes, expected ${IV_BYTES}`);
  if (tag.length !== TAG_BYTES) {
    throw new FieldCryptoError(
      'malformed',
      `Encrypted field authentication tag is ${tag.length} bytes, expected ${TAG_BYTES}`,
    );
  }
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(VERSION, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    throw new FieldCryptoError(
      'authentication_failed',
      'Encrypted field failed authentication: it was encrypted with a different key, or it has been altered',
    );
  }
}

function decodePart(text: string, what: string): Buffer {
  if (!BASE64.test(text) || text.length % 4 !== 0) {
    throw new FieldCryptoError('malformed', `Encrypted field ${what} is not valid base64`);
  }
  return Buffer.from(text, 'base64');
}

/**
 * Masks every character except the last `visible` with '*', keeping the length:
 * maskLast('1988-07-16') === '******7-16'. A value no longer than `visible` is returned as is.
 * Counts Unicode code points, so a character is never split.
 */
export function maskLast(value: string, visible = 4): string {
  if (!Number.isInteger(visible) || visible < 0)
    throw new RangeError(`maskLast: visible must be a whole number >= 0, got ${visible}`);
  const chars = Array.from(value);
  const hidden = Math.max(0, chars.length - visible);
  return '*'.repeat(hidden) + chars.slice(hidden).join('');
}
