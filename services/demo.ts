// First-start data: the Millbrook demo utility (`npm start -- --demo`, `npm run db:seed`) or, on
// a bare system, one administrator key so someone can sign in.
import path from 'node:path';
import type { Db } from '../lib/db/prisma';
import type { Actor } from '../lib/audit';
import { importLegacyExport } from './import-legacy';
import { createUser, issueApiKey, seedDemoUsers } from './users';

export const DEMO_DIR = path.resolve(__dirname, '..', 'demo-data', 'millbrook');

/** Loads Millbrook once; issues demo keys when the demo users are first created. */
export async function loadDemo(db: Db, actor: Actor, encryptionKey: Buffer) {
  const result = await importLegacyExport(db, { dir: DEMO_DIR, actor, encryptionKey });
  if (result.status === 'rejected')
    throw new Error(`The demo data set was rejected: ${JSON.stringify(result.rejections.slice(0, 3))}`);
  const fresh = !(await db.appUser.findUnique({ where: { id: 'admin' } }));
  return { import: result, keys: fresh ? await seedDemoUsers(db, actor) : null };
}

/** On a system with no administrator, makes one and returns its key (shown once). */
export async function ensureAdminKey(db: Db, actor: Actor): Promise<string | null> {
  if (await db.appUser.findFirst({ where: { role: 'admin', active: true } })) return null;
  await createUser(db, actor, { id: 'admin', name: 'Utility administrator', role: 'admin' });
  return (await issueApiKey(db, actor, 'admin', { label: 'first start' })).key;
}
