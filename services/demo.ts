// First-start data: the Millbrook demo utility with its reads (`npm start -- --demo`,
// `npm run db:seed`) or, on a bare system, one administrator key so someone can sign in.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../lib/db/prisma';
import type { Actor } from '../lib/audit';
import { importLegacyExport } from './import-legacy';
import { importAmiReads, importGreenButton } from './read-import';
import { createUser, issueApiKey, seedDemoUsers } from './users';

export const DEMO_DIR = path.resolve(__dirname, '..', 'demo-data', 'millbrook');

/** Loads Millbrook once; issues demo keys when the demo users are first created. */
export async function loadDemo(db: Db, actor: Actor, encryptionKey: Buffer) {
  const result = await importLegacyExport(db, { dir: DEMO_DIR, actor, encryptionKey });
  if (result.status === 'rejected')
    throw new Error(`The demo data set was rejected: ${JSON.stringify(result.rejections.slice(0, 3))}`);
  // October's and November's AMI reads and the Green Button feed, so a November cycle can run.
  // Each file is imported once (its hash is remembered).
  for (const f of ['billing-reads-2026-10.csv', 'billing-reads-2026-11.csv']) {
    await importAmiReads(db, { content: readFileSync(path.join(DEMO_DIR, 'reads', f)), fileName: f, actor });
  }
  const gb = 'usage-E000001-2026-11.xml';
  await importGreenButton(db, {
    content: readFileSync(path.join(DEMO_DIR, 'greenbutton', gb)),
    fileName: gb,
    actor,
  });
  const fresh = !(await db.appUser.findUnique({ where: { id: 'admin' } }));
  return { import: result, keys: fresh ? await seedDemoUsers(db, actor) : null };
}

/** On a system with no administrator, makes one and returns its key (shown once). */
export async function ensureAdminKey(db: Db, actor: Actor): Promise<string | null> {
  if (await db.appUser.findFirst({ where: { role: 'admin', active: true } })) return null;
  await createUser(db, actor, { id: 'admin', name: 'Utility administrator', role: 'admin' });
  return (await issueApiKey(db, actor, 'admin', { label: 'first start' })).key;
}
