import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  decryptField,
  encryptField,
  FieldCryptoError,
  KEY_FILE_NAME,
  loadEncryptionKey,
  maskLast,
  parseEncryptionKey,
  replaceKeyFile,
} from './field-crypto';

const key = randomBytes(32);

describe('encryptField / decryptField', () => {
  it.each([
    ['a date of birth', '1988-07-16'],
    ['an empty string', ''],
    ['an account number with spaces', 'GB29 NWBK 6016 1331 9268 19'],
    ['non-ASCII text', 'Zoë Ångström 🚰'],
    ['a long value', 'x'.repeat(10_000)],
  ])('round-trips %s', (_label, plain) => {
    const token = encryptField(plain, key);
    expect(decryptField(token, key)).toBe(plain);
  });

  it('produces a versioned self-describing token with a 12-byte IV and a 16-byte tag', () => {
    const token = encryptField('1988-07-16', key);
    const parts = token.split(':');
    expect(parts).toHaveLength(4);
    expect(parts[0]).toBe('v1');
    expect(Buffer.from(parts[1]!, 'base64')).toHaveLength(12);
    expect(Buffer.from(parts[2]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[3]!, 'base64')).toHaveLength('1988-07-16'.length);
    expect(token).not.toContain('1988');
  });

  it('uses a fresh IV every time, so equal values do not give equal tokens', () => {
    const tokens = Array.from({ length: 200 }, () => encryptField('1988-07-16', key));
    expect(new Set(tokens).size).toBe(200);
    expect(new Set(tokens.map((t) => t.split(':')[1])).size).toBe(200);
    for (const t of tokens.slice(0, 5)) expect(decryptField(t, key)).toBe('1988-07-16');
  });

  it('detects tampering with the ciphertext, the tag, the IV or the version label', () => {
    const token = encryptField('12345678', key);
    const [v, iv, tag, data] = token.split(':') as [string, string, string, string];
    const flip = (b64: string) => {
      const b = Buffer.from(b64, 'base64');
      b[0] = b[0]! ^ 0x01;
      return b.toString('base64');
    };
    for (const altered of [
      [v, iv, tag, flip(data)],
      [v, iv, flip(tag), data],
      [v, flip(iv), tag, data],
    ]) {
      expect(() => decryptField(altered.join(':'), key)).toThrow(FieldCryptoError);
      expect(() => decryptField(altered.join(':'), key)).toThrow(/different key, or it has been altered/);
    }
    // Swapping in ciphertext from another value (same length) also fails.
    const other = encryptField('87654321', key).split(':')[3]!;
    expect(() => decryptField([v, iv, tag, other].join(':'), key)).toThrow(/altered/);
    expect(() => decryptField(['v2', iv, tag, data].join(':'), key)).toThrow(/format 'v2'/);
  });

  it('refuses to decrypt with the wrong key', () => {
    const token = encryptField('1988-07-16', key);
    let caught: unknown;
    try {
      decryptField(token, randomBytes(32));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FieldCryptoError);
    expect((caught as FieldCryptoError).reason).toBe('authentication_failed');
    expect((caught as Error).message).toMatch(/different key/);
  });

  it('says what is wrong with a malformed token', () => {
    expect(() => decryptField('1988-07-16', key)).toThrow(/Not an encrypted field value/);
    expect(() => decryptField('v1:a:b', key)).toThrow(/expected v1:<iv>:<tag>:<ciphertext>/);
    const [v, , tag, data] = encryptField('x', key).split(':');
    expect(() => decryptField([v, 'AAAA', tag, data].join(':'), key)).toThrow(/IV is 3 bytes, expected 12/);
    expect(() => decryptField([v, '!!!!', tag, data].join(':'), key)).toThrow(/IV is not valid base64/);
    try {
      decryptField('v1:a:b', key);
    } catch (err) {
      expect((err as FieldCryptoError).reason).toBe('malformed');
    }
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => encryptField('x', randomBytes(16))).toThrow(/32-byte Buffer/);
    expect(() => decryptField('v1:a:b:c', Buffer.alloc(0))).toThrow(/32-byte Buffer/);
  });
});

describe('parseEncryptionKey / loadEncryptionKey with a configured key', () => {
  const opts = { dataDir: '/nonexistent/never-used', allowGenerate: false };

  it('accepts 32 bytes as base64, unpadded base64, URL-safe base64 or 64 hex characters', () => {
    const raw = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 251) % 256));
    expect(raw.toString('base64')).toMatch(/[+/]/); // so the URL-safe case below is a real test
    for (const text of [
      raw.toString('base64'),
      raw.toString('base64').replace(/=+$/, ''),
      raw.toString('base64url'),
      raw.toString('hex'),
      raw.toString('hex').toUpperCase(),
      `  ${raw.toString('base64')}\n`,
    ]) {
      expect(loadEncryptionKey(text, opts).equals(raw)).toBe(true);
    }
  });

  it.each([
    ['too short', 'abc', /decodes to 2 bytes, not 32/],
    ['16 bytes of base64', randomBytes(16).toString('base64'), /decodes to 16 bytes, not 32/],
    ['33 bytes of base64', randomBytes(33).toString('base64'), /decodes to 33 bytes, not 32/],
    ['62 hex characters', 'ab'.repeat(31), /62 hex characters, not 64/],
    ['66 hex characters', randomBytes(32).toString('hex') + 'ab', /66 hex characters, not 64/],
    ['hex with a typo', `${randomBytes(32).toString('hex').slice(0, 63)}g`, /decodes to 48 bytes/],
    ['a passphrase', 'this is my secret passphrase!!', /neither hex nor base64 at position 5/],
    ['padding in the middle', `${randomBytes(30).toString('base64')}=x`, /'=' before the end/],
    ['mixed base64 alphabets', 'ab+c_d' + 'A'.repeat(38), /mixes standard/],
    ['an all-zero key', Buffer.alloc(32).toString('base64'), /one byte repeated/],
    ['blank', '   ', /is empty/],
  ])('rejects %s with a message saying what is wrong', (_label, text, why) => {
    expect(() => parseEncryptionKey(text)).toThrow(why);
    expect(() => parseEncryptionKey(text)).toThrow(
      /^DATA_ENCRYPTION_KEY .*32 bytes .*64 hex characters .*base64/,
    );
  });

  it('never echoes the key text in an error', () => {
    const secret = randomBytes(20).toString('base64');
    expect(() => parseEncryptionKey(secret)).toThrow();
    try {
      parseEncryptionKey(secret);
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
  });

  it('in production, with no key configured, throws naming DATA_ENCRYPTION_KEY and writes nothing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'opencis-key-'));
    try {
      for (const missing of [undefined, '', '  ']) {
        expect(() => loadEncryptionKey(missing, { dataDir: dir, allowGenerate: false })).toThrow(
          /DATA_ENCRYPTION_KEY is not set/,
        );
      }
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loadEncryptionKey in development (allowGenerate)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'opencis-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a random key file once (mode 0600) and reuses it, so restarts can decrypt', () => {
    const dataDir = path.join(dir, 'nested', '.data'); // created if missing
    const first = loadEncryptionKey(undefined, { dataDir, allowGenerate: true });
    const file = path.join(dataDir, KEY_FILE_NAME);
    expect(first).toHaveLength(32);
    expect(existsSync(file)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file, 'utf8');
    expect(Buffer.from(written.trim(), 'base64').equals(first)).toBe(true);

    const token = encryptField('1988-07-16', first);
    const second = loadEncryptionKey('', { dataDir, allowGenerate: true }); // a "restart"
    expect(second.equals(first)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(written);
    expect(decryptField(token, second)).toBe('1988-07-16');
    expect(readdirSync(dataDir)).toEqual([KEY_FILE_NAME]); // no temporary files left behind
  });

  it('gives different keys to different data directories', () => {
    const a = loadEncryptionKey(undefined, { dataDir: path.join(dir, 'a'), allowGenerate: true });
    const b = loadEncryptionKey(undefined, { dataDir: path.join(dir, 'b'), allowGenerate: true });
    expect(a.equals(b)).toBe(false);
  });

  it('prefers a configured key over the key file', () => {
    loadEncryptionKey(undefined, { dataDir: dir, allowGenerate: true });
    const configured = randomBytes(32);
    expect(
      loadEncryptionKey(configured.toString('hex'), { dataDir: dir, allowGenerate: true }).equals(configured),
    ).toBe(true);
  });

  it('after a rotation, the key file holds the new key (mode 0600, nothing left beside it)', () => {
    const old = loadEncryptionKey(undefined, { dataDir: dir, allowGenerate: true });
    const next = randomBytes(32);
    const file = path.join(dir, KEY_FILE_NAME);
    replaceKeyFile(file, next);
    const loaded = loadEncryptionKey(undefined, { dataDir: dir, allowGenerate: true });
    expect(loaded.equals(next)).toBe(true);
    expect(loaded.equals(old)).toBe(false);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([KEY_FILE_NAME]);
    expect(() => replaceKeyFile(file, randomBytes(16))).toThrow();
  });

  it('refuses a damaged key file instead of replacing it', () => {
    const file = path.join(dir, KEY_FILE_NAME);
    writeFileSync(file, 'not a key\n', { mode: 0o600 });
    expect(() => loadEncryptionKey(undefined, { dataDir: dir, allowGenerate: true })).toThrow(
      /key file .*encryption\.key .*Restore it from a backup/,
    );
    expect(readFileSync(file, 'utf8')).toBe('not a key\n');
  });
});

describe('maskLast', () => {
  it.each([
    ['1988-07-16', 4, '******7-16'],
    ['12345678', 4, '****5678'],
    ['12345678', 2, '******78'],
    ['12345678', 0, '********'],
    ['123', 4, '123'],
    ['1234', 4, '1234'],
    ['', 4, ''],
    ['ab😀cd', 2, '***cd'],
  ])('maskLast(%j, %d) === %j', (value, visible, expected) => {
    expect(maskLast(value, visible)).toBe(expected);
  });

  it('shows the last 4 by default and keeps the length', () => {
    const masked = maskLast('GB29NWBK60161331926819');
    expect(masked).toBe('******************6819');
    expect(masked).toHaveLength('GB29NWBK60161331926819'.length);
  });

  it('rejects a negative or fractional count', () => {
    expect(() => maskLast('1234', -1)).toThrow(RangeError);
    expect(() => maskLast('1234', 1.5)).toThrow(RangeError);
  });
});
