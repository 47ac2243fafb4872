// `npm run db:seed`: loads the Millbrook demo utility (demo-data/millbrook) through the same
// legacy conversion a real utility uses, then the demo users and their API keys.
import { loadDemo } from '../services/demo';
import { CLI_ACTOR, exitWith, reportImport, withCisDatabase } from './import-legacy';

const SEED_ACTOR = { ...CLI_ACTOR, id: 'cli:db-seed' };

async function main(): Promise<number> {
  return withCisDatabase(async (db, encryptionKey) => {
    // loadDemo (services/demo.ts) runs importLegacyExport on demo-data/millbrook, then seedDemoUsers.
    const { import: result, keys } = await loadDemo(db, SEED_ACTOR, encryptionKey);
    reportImport(result);
    if (keys) {
      console.log('\nDemo API keys (shown once):');
      for (const [user, key] of Object.entries(keys)) console.log(`  ${user.padEnd(12)} ${key}`);
    }
    return 0;
  });
}

exitWith(main());
