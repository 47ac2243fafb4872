// `npm run db:migrate`: applies pending migrations (to DATABASE_ADMIN_URL or DATABASE_URL, else
// to the embedded Postgres under DATA_DIR).
import { loadConfig } from '../lib/config';
import { openDatabase } from '../lib/runtime/database';

openDatabase(loadConfig())
  .then(async (h) => {
    process.stdout.write(
      h.migrationsApplied.length
        ? `applied: ${h.migrationsApplied.join(', ')}\n`
        : 'the database is up to date\n',
    );
    await h.stop();
    process.exit(0);
  })
  .catch((err: unknown) => {
    process.stderr.write(`migration failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
