// `npm run keys:rotate`: writes every encrypted value (dates of birth, bank account numbers) again
// under DATA_ENCRYPTION_KEY_NEW (services/reencrypt-fields.ts). Run it with the API and the worker
// stopped; then give them the new key as DATA_ENCRYPTION_KEY. Without DATA_ENCRYPTION_KEY
// (development), the key file under DATA_DIR is replaced with the new key at the end.
import path from 'node:path';
import { loadConfig } from '../lib/config';
import { KEY_FILE_NAME, parseEncryptionKey, replaceKeyFile } from '../lib/field-crypto';
import { reencryptFields } from '../services/reencrypt-fields';
import type { Actor } from '../lib/audit';
import { exitWith, withCisDatabase } from './import-legacy';

const CLI_ACTOR: Actor = { id: 'cli:keys-rotate', role: 'admin' };

async function main(): Promise<number> {
  const nextText = process.env.DATA_ENCRYPTION_KEY_NEW;
  if (!nextText?.trim()) {
    console.error(
      'DATA_ENCRYPTION_KEY_NEW is not set: it is the key to rotate to (generate one with `openssl rand -base64 32`).',
    );
    return 2;
  }
  const next = parseEncryptionKey(nextText, 'DATA_ENCRYPTION_KEY_NEW');
  const config = loadConfig();
  await withCisDatabase((db, current) =>
    reencryptFields(db, CLI_ACTOR, { current, next }, { log: (line) => console.log(line) }),
  );
  if (config.DATA_ENCRYPTION_KEY?.trim()) {
    console.log(
      'Every value is under the new key. Set DATA_ENCRYPTION_KEY to it (the value of DATA_ENCRYPTION_KEY_NEW), ' +
        'then start the API and the worker. Keep the old key until the backups made with it expire.',
    );
  } else {
    const file = path.join(config.DATA_DIR, KEY_FILE_NAME);
    replaceKeyFile(file, next);
    console.log(`Every value is under the new key, and ${file} now holds it.`);
  }
  return 0;
}

exitWith(main());
