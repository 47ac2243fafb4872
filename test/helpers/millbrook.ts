// The demo utility as the end-to-end tests start from it: Millbrook converted from its legacy
// export, and its read files imported through the API as a clerk would.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importLegacyExport } from '../../services/import-legacy';
import type { TestApp } from './app';

export const MILLBROOK = path.resolve(__dirname, '..', '..', 'demo-data', 'millbrook');

/** Converts Millbrook's legacy export into the app's database. */
export async function convertMillbrook(app: TestApp): Promise<void> {
  const conv = await importLegacyExport(app.t.db, {
    dir: MILLBROOK,
    actor: { id: 'test', role: 'admin' },
    encryptionKey: app.encryptionKey,
  });
  expect(conv.status).toBe('completed');
}

/** Imports one of Millbrook's read files (a path under its folder) as a CSR; the answer's body. */
export async function importMillbrookReads(
  app: TestApp,
  file: string,
  format: 'ami-csv' | 'green-button' = 'ami-csv',
) {
  const r = await app.call('csr', 'POST', '/reads/import', {
    format,
    fileName: path.basename(file),
    content: readFileSync(path.join(MILLBROOK, file), 'utf8'),
  });
  expect(r.status).toBe(200);
  return r.body;
}

/** Millbrook converted, with its October and November AMI reads. */
export async function millbrookWithReads(app: TestApp): Promise<void> {
  await convertMillbrook(app);
  for (const file of ['reads/billing-reads-2026-10.csv', 'reads/billing-reads-2026-11.csv'])
    expect((await importMillbrookReads(app, file)).status).toBe('completed');
}
